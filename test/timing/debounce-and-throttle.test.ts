/**
 * lodash's shared `debounce and throttle` test cases (lodash/test/debounce-and-throttle.spec.js),
 * re-expressed for both decorators, as methods and in the functional form.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { FORMS, registryWithNow, timed, type Form, type Kind } from '../helpers/timed.js';
import { advanceFakeTime } from '../helpers/fake-time.js';

beforeEach(() => {
  jest.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  jest.useRealTimers();
});

const cases: [Kind, Form][] = (['debounce', 'throttle'] as const).flatMap((k) =>
  FORMS.map((f): [Kind, Form] => [k, f]),
);

describe.each(cases)('@%s (%s form), lodash shared cases', (kind, form) => {
  const isDebounce = kind === 'debounce';

  it('accepts a plain number as the wait', async () => {
    let callCount = 0;
    const funced = timed(kind, form, () => void callCount++, 32);
    void funced();
    await advanceFakeTime(32);
    expect(callCount).toBe(1);
  });

  it('supports a `wait` of 0 (lodash default)', async () => {
    let callCount = 0;
    const funced = timed(kind, form, () => void callCount++, 0);
    void funced();
    await advanceFakeTime(32);
    void funced();
    expect(callCount).toBe(isDebounce ? 1 : 2);
  });

  it('invokes the method with the correct `this` binding', async () => {
    const actual: unknown[] = [];
    const funced = timed(
      kind,
      form,
      function (this: unknown) {
        actual.push(this);
      },
      32,
    );
    const object = { funced };
    void object.funced.on(object);
    if (!isDebounce) void object.funced.on(object);
    await advanceFakeTime(64);
    expect(actual).toEqual(Array.from({ length: isDebounce ? 1 : 2 }, () => funced.self(object)));
    for (const seen of actual) expect(seen).toBe(funced.self(object));
  });

  it('supports recursive calls', async () => {
    const actual: unknown[][] = [];
    const args = ['a', 'b', 'c'].map((chr) => [{}, chr] as const);
    const queue = args.slice();
    const funced = timed(
      kind,
      form,
      function (this: unknown, ...rest: unknown[]) {
        actual.push([this, ...rest]);
        const next = queue.shift();
        if (next) void funced.on(next[0], next[1]);
      },
      32,
    );
    const expected = args.map(([self, chr]) => [funced.self(self), chr]);

    const next = queue.shift()!;
    void funced.on(next[0], next[1]);
    expect(actual).toEqual(expected.slice(0, isDebounce ? 0 : 1));

    await advanceFakeTime(256);
    expect(actual.length).toBeGreaterThan(isDebounce ? 0 : 1);
    expect(actual).toEqual(expected.slice(0, actual.length));
  });

  it('works if the system time is set backwards', async () => {
    let callCount = 0;
    let dateCount = 0;
    const registry = registryWithNow(() =>
      ++dateCount === 4 ? +new Date(2012, 3, 23, 23, 27, 18) : Date.now(),
    );
    const funced = timed(kind, form, () => void callCount++, 32, registry);
    void funced();
    await advanceFakeTime(64);
    void funced();
    expect(callCount).toBe(isDebounce ? 1 : 2);
  });

  it('supports cancelling delayed calls', async () => {
    let callCount = 0;
    const funced = timed(kind, form, () => void callCount++, { wait: 32, leading: false });
    const pending = funced();
    funced.control().cancel();
    await expect(pending).rejects.toMatchObject({ code: 'E_CANCELLED' });
    await advanceFakeTime(64);
    expect(callCount).toBe(0);
  });

  it('resets `lastCalled` after cancelling', async () => {
    let callCount = 0;
    const funced = timed(kind, form, () => ++callCount, { wait: 32, leading: true });
    await expect(funced()).resolves.toBe(1);
    funced.control().cancel();
    const second = funced();
    expect(callCount).toBe(2);
    void funced();
    await advanceFakeTime(64);
    expect(callCount).toBe(3);
    await expect(second).resolves.toBe(2);
  });

  it('supports flushing delayed calls', async () => {
    let callCount = 0;
    const funced = timed(kind, form, () => ++callCount, { wait: 32, leading: false });
    const pending = funced();
    await funced.control().flush();
    expect(callCount).toBe(1);
    await expect(pending).resolves.toBe(1);
    await advanceFakeTime(64);
    expect(callCount).toBe(1);
  });

  it('does nothing on `cancel` and `flush` when nothing is queued', async () => {
    let callCount = 0;
    const funced = timed(kind, form, () => void callCount++, 32);
    funced.control().cancel();
    await expect(funced.control().flush()).resolves.toBeUndefined();
    expect(funced.control().pending()).toBe(false);
    await advanceFakeTime(64);
    expect(callCount).toBe(0);
  });
});
