/**
 * lodash's own `debounce` test cases (lodash/test/debounce.spec.js), re-expressed for
 * `@debounce` on a method and for the functional form, under fake timers. Where lodash
 * asserts a synchronous return value, hotpath's caller gets a promise of the invocation its
 * call was folded into (all folded callers share it): those cases say so in their names.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { FORMS, timed } from '../helpers/timed.js';
import { advanceFakeTime } from '../helpers/fake-time.js';

beforeEach(() => {
  jest.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  jest.useRealTimers();
});

describe.each(FORMS)('@debounce as lodash debounce (%s form)', (form) => {
  it('debounces a function, and every caller folded in gets the one result', async () => {
    let callCount = 0;
    const debounced = timed(
      'debounce',
      form,
      (value: string) => {
        ++callCount;
        return value;
      },
      32,
    );

    const results = [debounced('a'), debounced('b'), debounced('c')];
    expect(callCount).toBe(0);
    expect(results[1]).toBe(results[0]);
    expect(results[2]).toBe(results[0]);

    await advanceFakeTime(128);
    expect(callCount).toBe(1);
    await expect(Promise.all(results)).resolves.toEqual(['c', 'c', 'c']);

    const next = [debounced('d'), debounced('e'), debounced('f')];
    expect(callCount).toBe(1);
    expect(next[0]).not.toBe(results[0]);

    await advanceFakeTime(128);
    expect(callCount).toBe(2);
    await expect(Promise.all(next)).resolves.toEqual(['f', 'f', 'f']);
  });

  it('gives a later caller the result of its own invocation, not the last one (lodash returns the last)', async () => {
    const debounced = timed('debounce', form, (value: string) => value, 32);
    const a = debounced('a');
    await advanceFakeTime(64);
    const b = debounced('b');
    await advanceFakeTime(64);
    const c = debounced('c');
    await advanceFakeTime(64);
    await expect(a).resolves.toBe('a');
    await expect(b).resolves.toBe('b');
    await expect(c).resolves.toBe('c');
  });

  it('does not immediately call the method when `wait` is 0', async () => {
    let callCount = 0;
    const debounced = timed(
      'debounce',
      form,
      () => {
        ++callCount;
      },
      0,
    );
    void debounced();
    void debounced();
    expect(callCount).toBe(0);
    await advanceFakeTime(5);
    expect(callCount).toBe(1);
  });

  it('applies default options', async () => {
    let callCount = 0;
    const debounced = timed(
      'debounce',
      form,
      () => {
        callCount++;
      },
      { wait: 32 },
    );
    void debounced();
    expect(callCount).toBe(0);
    await advanceFakeTime(64);
    expect(callCount).toBe(1);
  });

  it('supports a `leading` option', async () => {
    const callCounts = [0, 0];
    const withLeading = timed(
      'debounce',
      form,
      () => {
        callCounts[0]!++;
      },
      { wait: 32, leading: true },
    );
    const withLeadingAndTrailing = timed(
      'debounce',
      form,
      () => {
        callCounts[1]!++;
      },
      { wait: 32, leading: true },
    );

    void withLeading();
    expect(callCounts[0]).toBe(1);

    void withLeadingAndTrailing();
    void withLeadingAndTrailing();
    expect(callCounts[1]).toBe(1);

    await advanceFakeTime(64);
    expect(callCounts).toEqual([1, 2]);

    void withLeading();
    expect(callCounts[0]).toBe(2);
  });

  it('gives dropped calls (leading, no trailing) the result of the leading invocation', async () => {
    const debounced = timed('debounce', form, (value: string) => value, {
      wait: 32,
      leading: true,
      trailing: false,
    });
    const results = [debounced('a'), debounced('b')];
    expect(results[1]).toBe(results[0]);
    await expect(Promise.all(results)).resolves.toEqual(['a', 'a']);

    await advanceFakeTime(64);
    const next = [debounced('c'), debounced('d')];
    await expect(Promise.all(next)).resolves.toEqual(['c', 'c']);
  });

  it('supports a `trailing` option', async () => {
    let withCount = 0;
    let withoutCount = 0;
    const withTrailing = timed(
      'debounce',
      form,
      () => {
        withCount++;
      },
      { wait: 32, trailing: true },
    );
    // lodash also allows leading: false with trailing: false (a function that never runs);
    // hotpath refuses that at decoration time, so the trailing-less side leads here.
    const withoutTrailing = timed(
      'debounce',
      form,
      () => {
        withoutCount++;
      },
      { wait: 32, leading: true, trailing: false },
    );

    void withTrailing();
    expect(withCount).toBe(0);
    void withoutTrailing();
    void withoutTrailing();
    expect(withoutCount).toBe(1);

    await advanceFakeTime(64);
    expect(withCount).toBe(1);
    expect(withoutCount).toBe(1);
  });

  it('supports a `maxWait` option', async () => {
    let callCount = 0;
    const debounced = timed(
      'debounce',
      form,
      (value: unknown) => {
        ++callCount;
        return value;
      },
      { wait: 32, maxWait: 64 },
    );

    void debounced();
    void debounced();
    expect(callCount).toBe(0);

    await advanceFakeTime(128);
    expect(callCount).toBe(1);
    void debounced();
    void debounced();
    expect(callCount).toBe(1);

    await advanceFakeTime(128);
    expect(callCount).toBe(2);
  });

  it('supports `maxWait` in a tight loop', async () => {
    let withCount = 0;
    let withoutCount = 0;
    const withMaxWait = timed(
      'debounce',
      form,
      () => {
        withCount++;
      },
      { wait: 64, maxWait: 128 },
    );
    const withoutMaxWait = timed(
      'debounce',
      form,
      () => {
        withoutCount++;
      },
      96,
    );

    // lodash spins for 320 ms of real time; here every iteration lets 1 ms of fake time pass.
    for (let elapsed = 0; elapsed < 320; elapsed++) {
      void withMaxWait();
      void withoutMaxWait();
      jest.advanceTimersByTime(1);
    }
    expect([Boolean(withoutCount), Boolean(withCount)]).toEqual([false, true]);
    await advanceFakeTime(1);
  });

  it('queues a trailing call for subsequent debounced calls after `maxWait`', async () => {
    let callCount = 0;
    const debounced = timed(
      'debounce',
      form,
      () => {
        ++callCount;
      },
      { wait: 200, maxWait: 200 },
    );

    void debounced();
    setTimeout(() => void debounced(), 190);
    setTimeout(() => void debounced(), 200);
    setTimeout(() => void debounced(), 210);

    await advanceFakeTime(500);
    expect(callCount).toBe(2);
  });

  it('cancels the maxWait timer when the trailing invocation runs', async () => {
    let callCount = 0;
    const debounced = timed(
      'debounce',
      form,
      () => {
        callCount++;
      },
      { wait: 32, maxWait: 64 },
    );

    void debounced();
    await advanceFakeTime(128);
    void debounced();
    expect(callCount).toBe(1);

    await advanceFakeTime(64);
    expect(callCount).toBe(2);
  });

  it('invokes the trailing call with the correct arguments and `this` binding', async () => {
    let actual: unknown[] = [];
    let callCount = 0;
    const object = {};
    const debounced = timed(
      'debounce',
      form,
      function (this: unknown, ...args: unknown[]) {
        actual = [this, ...args];
        return ++callCount != 2;
      },
      { wait: 32, leading: true, maxWait: 64 },
    );

    // lodash loops until a call returns false (the second invocation, forced by maxWait);
    // here fake time passes 1 ms per call until the second invocation has happened.
    while (callCount < 2) {
      void debounced.on(object, 'a');
      jest.advanceTimersByTime(1);
    }
    await advanceFakeTime(64);
    expect(callCount).toBe(2);
    expect(actual).toEqual([debounced.self(object), 'a']);
  });
});
