import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { bounded, StoreTimeout } from '../../src/cached/bounded.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { advanceFakeTime } from '../helpers/fake-time.js';

/** An operation that never answers (a frozen store). */
const hang = (): Promise<never> => new Promise<never>(() => {});

/** Where a bounded call stands: still waiting, answered, or the error it rejected with. */
function watch(call: Promise<unknown>): { state: 'waiting' | 'answered' | Error } {
  const seen: { state: 'waiting' | 'answered' | Error } = { state: 'waiting' };
  call.then(
    () => (seen.state = 'answered'),
    (error: Error) => (seen.state = error),
  );
  return seen;
}

describe('bounded (the storeTimeout of every shared-tier call)', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('cuts each waiting call at its own deadline, though the calls share one timer', async () => {
    jest.useFakeTimers();
    const first = watch(bounded(hang, 250, systemClock));
    await advanceFakeTime(100);
    const second = watch(bounded(hang, 250, systemClock));
    const answered = watch(bounded(() => Promise.resolve('v'), 250, systemClock));
    await advanceFakeTime(149);
    expect([first.state, second.state, answered.state]).toEqual(['waiting', 'waiting', 'answered']);
    await advanceFakeTime(1);
    expect(first.state).toBeInstanceOf(StoreTimeout);
    expect((first.state as Error).message).toBe('timed out after 250 ms');
    expect(second.state).toBe('waiting');
    await advanceFakeTime(99);
    expect(second.state).toBe('waiting');
    await advanceFakeTime(1);
    expect(second.state).toBeInstanceOf(StoreTimeout);
  });

  it('cuts a call made once every earlier one answered (the timer is taken over)', async () => {
    jest.useFakeTimers();
    await bounded(() => 'a', 250, systemClock);
    await advanceFakeTime(200);
    const later = watch(bounded(hang, 250, systemClock));
    await advanceFakeTime(249);
    expect(later.state).toBe('waiting');
    await advanceFakeTime(1);
    expect(later.state).toBeInstanceOf(StoreTimeout);
  });

  it('cuts a call under new fake timers though a call of the old ones still waits', async () => {
    jest.useFakeTimers();
    const old = watch(bounded(hang, 250, systemClock));
    // A test ends with a call still waiting; the next installs fake timers of its own.
    jest.useRealTimers();
    jest.useFakeTimers();
    const current = watch(bounded(hang, 250, systemClock));
    await advanceFakeTime(250);
    expect(current.state).toBeInstanceOf(StoreTimeout);
    expect(old.state).toBe('waiting');
  });

  it('is not held by a wall clock stepped back', async () => {
    jest.useFakeTimers();
    const call = watch(bounded(hang, 250, systemClock));
    jest.setSystemTime(Date.now() - 3_600_000);
    await advanceFakeTime(250);
    expect(call.state).toBeInstanceOf(StoreTimeout);
  });

  it('leaves no timer holding the process once every call answered', async () => {
    const timers = (): number =>
      process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    await Promise.all([
      bounded(() => Promise.resolve(1), 60_000, systemClock),
      bounded(() => Promise.reject(new Error('down')), 60_000, systemClock).catch(() => {}),
    ]);
    expect(timers()).toBe(before);
  });

  it('cuts calls with a clock that has no monotonic time, by its own timers', async () => {
    jest.useFakeTimers();
    const clock: Clock = {
      now: () => 0,
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    const call = watch(bounded(hang, 250, clock));
    await advanceFakeTime(249);
    expect(call.state).toBe('waiting');
    await advanceFakeTime(1);
    expect(call.state).toBeInstanceOf(StoreTimeout);
  });

  it('absorbs an answer that comes after the cut, and a synchronous throw is a rejection', async () => {
    jest.useFakeTimers();
    let answer!: (v: string) => void;
    const call = watch(bounded(() => new Promise<string>((r) => (answer = r)), 250, systemClock));
    await advanceFakeTime(250);
    answer('late');
    await advanceFakeTime(0);
    expect(call.state).toBeInstanceOf(StoreTimeout);
    await expect(
      bounded(
        () => {
          throw new Error('sync');
        },
        250,
        systemClock,
      ),
    ).rejects.toThrow('sync');
  });
});
