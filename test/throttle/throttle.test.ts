/**
 * lodash's own `throttle` test cases (lodash/test/throttle.spec.js), re-expressed for
 * `@throttle` on a method and for the functional form, under fake timers. lodash's
 * `runInContext({ Date })` cases use a registry with an injected clock instead. Where lodash
 * asserts a synchronous return value (the last result), hotpath's caller gets a promise of
 * the invocation its call was folded into (all folded callers share it): those cases say so in
 * their names.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { FORMS, registryWithNow, timed } from '../helpers/timed.js';
import { advanceFakeTime } from '../helpers/fake-time.js';

beforeEach(() => {
  jest.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  jest.useRealTimers();
});

const identity = (value: unknown): unknown => value;

describe.each(FORMS)('@throttle as lodash throttle (%s form)', (form) => {
  it('throttles a function', async () => {
    let callCount = 0;
    const throttled = timed(
      'throttle',
      form,
      () => {
        callCount++;
      },
      32,
    );
    void throttled();
    void throttled();
    void throttled();
    const lastCount = callCount;
    expect(callCount).toBe(1);
    await advanceFakeTime(64);
    expect(callCount).toBeGreaterThan(lastCount);
  });

  it('gives the leading caller its result and later callers the trailing one (lodash returns the first to all)', async () => {
    const throttled = timed('throttle', form, identity, 32);
    const results = [throttled('a'), throttled('b')];
    await advanceFakeTime(64);
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b']);

    const next = [throttled('c'), throttled('d')];
    await advanceFakeTime(64);
    await expect(Promise.all(next)).resolves.toEqual(['c', 'd']);
  });

  it('clears the timeout when the method is called (a clock that jumps to Infinity)', async () => {
    let callCount = 0;
    let dateCount = 0;
    const registry = registryWithNow(() => (++dateCount === 5 ? Infinity : Date.now()));
    const throttled = timed(
      'throttle',
      form,
      () => {
        callCount++;
      },
      32,
      registry,
    );
    void throttled();
    void throttled();
    await advanceFakeTime(64);
    expect(callCount).toBe(2);
  });

  it('does not trigger a trailing call when invoked once', async () => {
    let callCount = 0;
    const throttled = timed(
      'throttle',
      form,
      () => {
        callCount++;
      },
      32,
    );
    void throttled();
    expect(callCount).toBe(1);
    await advanceFakeTime(64);
    expect(callCount).toBe(1);
  });

  it.each([
    ['', {}],
    [' and `leading` is false', { leading: false }],
  ])('triggers a call when invoked repeatedly%s', async (_name, options) => {
    let callCount = 0;
    const throttled = timed(
      'throttle',
      form,
      () => {
        callCount++;
      },
      { wait: 32, ...options },
    );
    // lodash spins for 320 ms of real time; here every iteration lets 1 ms of fake time pass.
    for (let elapsed = 0; elapsed < 320; elapsed++) {
      void throttled();
      jest.advanceTimersByTime(1);
    }
    expect(callCount).toBeGreaterThan(1);
    await advanceFakeTime(1);
  });

  it('triggers a second throttled call as soon as possible', async () => {
    let callCount = 0;
    const throttled = timed(
      'throttle',
      form,
      () => {
        callCount++;
      },
      { wait: 128, leading: false },
    );
    void throttled();
    await advanceFakeTime(192);
    expect(callCount).toBe(1);
    void throttled();
    await advanceFakeTime(62);
    expect(callCount).toBe(1);
    await advanceFakeTime(130);
    expect(callCount).toBe(2);
  });

  it('applies default options', async () => {
    let callCount = 0;
    const throttled = timed(
      'throttle',
      form,
      () => {
        callCount++;
      },
      { wait: 32 },
    );
    void throttled();
    void throttled();
    expect(callCount).toBe(1);
    await advanceFakeTime(128);
    expect(callCount).toBe(2);
  });

  it('supports a `leading` option (without it, the first call waits for the trailing edge)', async () => {
    let calls = 0;
    const withLeading = timed('throttle', form, (v: unknown) => (calls++, v), {
      wait: 32,
      leading: true,
    });
    const a = withLeading('a');
    expect(calls).toBe(1);
    await expect(a).resolves.toBe('a');

    const withoutLeading = timed('throttle', form, (v: unknown) => (calls++, v), {
      wait: 32,
      leading: false,
    });
    const b = withoutLeading('a');
    expect(calls).toBe(1);
    await advanceFakeTime(32);
    expect(calls).toBe(2);
    await expect(b).resolves.toBe('a');
  });

  it('supports a `trailing` option; a dropped call resolves with the invocation that absorbed it', async () => {
    let withCount = 0;
    let withoutCount = 0;
    const withTrailing = timed(
      'throttle',
      form,
      (value: unknown) => {
        withCount++;
        return value;
      },
      { wait: 64, trailing: true },
    );
    const withoutTrailing = timed(
      'throttle',
      form,
      (value: unknown) => {
        withoutCount++;
        return value;
      },
      { wait: 64, trailing: false },
    );

    const w = [withTrailing('a'), withTrailing('b')];
    const wo = [withoutTrailing('a'), withoutTrailing('b')];
    expect(wo[1]).toBe(wo[0]);

    await advanceFakeTime(256);
    expect(withCount).toBe(2);
    expect(withoutCount).toBe(1);
    await expect(Promise.all(w)).resolves.toEqual(['a', 'b']);
    await expect(Promise.all(wo)).resolves.toEqual(['a', 'a']);
  });

  it('does not update `lastCalled` at the end of the timeout when `trailing` is false', async () => {
    let callCount = 0;
    const throttled = timed(
      'throttle',
      form,
      () => {
        callCount++;
      },
      { wait: 64, trailing: false },
    );
    void throttled();
    void throttled();
    await advanceFakeTime(96);
    void throttled();
    void throttled();
    await advanceFakeTime(96);
    expect(callCount).toBe(2);
  });

  it('works with a system time of 0', async () => {
    let callCount = 0;
    let dateCount = 0;
    const registry = registryWithNow(() => (++dateCount < 4 ? 0 : Date.now()));
    const throttled = timed(
      'throttle',
      form,
      (value: unknown) => {
        callCount++;
        return value;
      },
      32,
      registry,
    );
    const results = [throttled('a'), throttled('b'), throttled('c')];
    expect(callCount).toBe(1);
    await advanceFakeTime(64);
    expect(callCount).toBe(2);
    // lodash returns ['a', 'a', 'a'] (the last result); 'b' and 'c' fold into the trailing call.
    await expect(Promise.all(results)).resolves.toEqual(['a', 'c', 'c']);
  });
});
