import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  MAX_TIMER_MS,
  monotonicReader,
  systemClock,
  withLongTimeouts,
  type Clock,
} from '../../src/core/clock.js';

const DAY = 86_400_000;

describe('clock: timeouts past 24.8 days', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('fires a 30-day timeout after 30 days, not after 1 ms', async () => {
    const fired: number[] = [];
    const start = Date.now();
    systemClock.setTimeout(() => fired.push(Date.now() - start), 30 * DAY);
    await jest.advanceTimersByTimeAsync(25 * DAY);
    expect(fired).toEqual([]);
    await jest.advanceTimersByTimeAsync(5 * DAY - 1);
    expect(fired).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([30 * DAY]);
  });

  it('keeps at most one pending timer per long timeout (no 1 ms spin)', async () => {
    systemClock.setTimeout(() => {}, 60 * DAY);
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(DAY);
    expect(jest.getTimerCount()).toBe(1);
  });

  it('cancels a long timeout before and after its first chunk', async () => {
    const fired: string[] = [];
    const early = systemClock.setTimeout(() => fired.push('early'), 40 * DAY);
    const late = systemClock.setTimeout(() => fired.push('late'), 40 * DAY);
    systemClock.clearTimeout(early);
    await jest.advanceTimersByTimeAsync(MAX_TIMER_MS + 1);
    systemClock.clearTimeout(late);
    await jest.advanceTimersByTimeAsync(40 * DAY);
    expect(fired).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('passes delays within the limit straight through', () => {
    const calls: number[] = [];
    const base: Clock = {
      now: () => 0,
      setTimeout: (_fn, ms) => calls.push(ms),
      clearTimeout: () => {},
    };
    withLongTimeouts(base).setTimeout(() => {}, MAX_TIMER_MS);
    expect(calls).toEqual([MAX_TIMER_MS]);
  });

  it('arms a custom clock in chunks measured by its own now()', () => {
    let now = 0;
    const armed: Array<[() => void, number]> = [];
    const base: Clock = {
      now: () => now,
      setTimeout: (fn, ms) => armed.push([fn, ms]),
      clearTimeout: () => {},
    };
    let fired = false;
    withLongTimeouts(base).setTimeout(() => (fired = true), 2 * MAX_TIMER_MS + 10);
    expect(armed.map(([, ms]) => ms)).toEqual([MAX_TIMER_MS]);
    now += MAX_TIMER_MS;
    armed[0]![0]();
    now += MAX_TIMER_MS;
    armed[1]![0]();
    expect(armed.map(([, ms]) => ms)).toEqual([MAX_TIMER_MS, MAX_TIMER_MS, 10]);
    expect(fired).toBe(false);
    armed[2]![0]();
    expect(fired).toBe(true);
  });

  it('wrapping twice adds nothing', () => {
    expect(withLongTimeouts(systemClock)).toBe(systemClock);
  });

  it('an unref()ed long timeout stays unref()ed across chunks', async () => {
    const handle = systemClock.setTimeout(() => {}, 30 * DAY) as {
      unref(): unknown;
      hasRef(): boolean;
    };
    handle.unref();
    expect(handle.hasRef()).toBe(false);
    await jest.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(handle.hasRef()).toBe(false);
  });
});

describe('clock: monotonic time', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('the system clock reads monotonic time apart from the wall clock (and Jest fakes it too)', async () => {
    const start = systemClock.monotonicNow!();
    await jest.advanceTimersByTimeAsync(250);
    expect(systemClock.monotonicNow!() - start).toBe(250);
    // The wall clock steps back (an NTP correction): monotonic time does not.
    jest.setSystemTime(0);
    expect(systemClock.now()).toBe(0);
    expect(systemClock.monotonicNow!() - start).toBe(250);
  });

  it('withLongTimeouts forwards monotonicNow, and adds none to a clock without it', () => {
    let mono = 0.25;
    const base: Clock = {
      now: () => 7,
      monotonicNow: () => mono,
      setTimeout: () => undefined,
      clearTimeout: () => {},
    };
    const wrapped = withLongTimeouts(base);
    mono = 0.75;
    expect(wrapped.monotonicNow!()).toBe(0.75);
    expect(monotonicReader(wrapped)()).toBe(0.75);
    const plain = withLongTimeouts({ ...base, monotonicNow: undefined });
    expect(plain.monotonicNow).toBeUndefined();
    expect(monotonicReader(plain)()).toBe(7);
  });
});
