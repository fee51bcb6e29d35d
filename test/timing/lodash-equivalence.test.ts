/**
 * Property test: the decorators and lodash, driven by the same random call schedules (with
 * random options, cancel() and flush() mixed in) under Jest's fake timers, must invoke at the
 * same times with the same arguments.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import _ from 'lodash';
import { control, debounce, throttle } from '../../src/index.js';

type Kind = 'debounce' | 'throttle';
type Form = 'method' | 'function';

interface Step {
  dt: number;
  op: 'call' | 'cancel' | 'flush';
  key: 'a' | 'b';
}

interface Scenario {
  wait: number;
  leading: boolean | undefined;
  trailing: boolean | undefined;
  maxWait: number | undefined;
  form: Form;
  steps: Step[];
}

const stepArb = fc.record({
  dt: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 90 })),
  op: fc.oneof(
    { weight: 12, arbitrary: fc.constant('call' as const) },
    { weight: 1, arbitrary: fc.constant('cancel' as const) },
    { weight: 1, arbitrary: fc.constant('flush' as const) },
  ),
  key: fc.constantFrom('a' as const, 'b' as const),
});

function scenarioArb(kind: Kind): fc.Arbitrary<Scenario> {
  return fc
    .record({
      wait: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })),
      leading: fc.option(fc.boolean(), { nil: undefined }),
      trailing: fc.option(fc.boolean(), { nil: undefined }),
      extra: fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }),
      form: fc.constantFrom<Form>('method', 'function'),
      steps: fc.array(stepArb, { minLength: 1, maxLength: 30 }),
    })
    .map(({ extra, ...s }) => ({
      ...s,
      maxWait: kind === 'debounce' && extra !== undefined ? s.wait + extra : undefined,
    }))
    .filter((s) => {
      // hotpath refuses leading: false with trailing: false (the method would never run).
      const leading = s.leading ?? kind === 'throttle';
      const trailing = s.trailing ?? true;
      return leading || trailing;
    });
}

type Log = [time: number, key: string, n: number][];

/** Builds the decorated function (method or functional form) recording each invocation in `log`. */
function decorated(
  kind: Kind,
  s: Scenario,
  keyed: boolean,
  log: Log,
): { call(key: string, n: number): Promise<unknown>; control(): ReturnType<typeof control> } {
  const options: Record<string, unknown> = { wait: s.wait };
  if (s.leading !== undefined) options.leading = s.leading;
  if (s.trailing !== undefined) options.trailing = s.trailing;
  if (s.maxWait !== undefined) options.maxWait = s.maxWait;
  if (keyed) options.key = (key: string) => key;
  const deco = kind === 'debounce' ? debounce(options as never) : throttle(options as never);
  const body = (key: string, n: number): number => {
    log.push([Date.now(), key, n]);
    return n;
  };
  if (s.form === 'function') {
    const fn = deco(async (key: string, n: number) => body(key, n));
    return { call: fn, control: () => control(fn) };
  }
  class Host {
    @deco
    async run(key: string, n: number): Promise<number> {
      return body(key, n);
    }
  }
  const host = new Host();
  return { call: (key, n) => host.run(key, n), control: () => control(host, 'run') };
}

/** The same with lodash: one lodash function per key when keyed. */
function reference(kind: Kind, s: Scenario, log: Log) {
  const options: Record<string, unknown> = {};
  if (s.leading !== undefined) options.leading = s.leading;
  if (s.trailing !== undefined) options.trailing = s.trailing;
  if (s.maxWait !== undefined) options.maxWait = s.maxWait;
  const make = () =>
    (kind === 'debounce' ? _.debounce : _.throttle)(
      (key: string, n: number) => {
        log.push([Date.now(), key, n]);
        return n;
      },
      s.wait,
      options,
    );
  const fns = new Map<string, ReturnType<typeof make>>();
  return {
    get: (key: string) => {
      let f = fns.get(key);
      if (!f) fns.set(key, (f = make()));
      return f;
    },
    all: () => [...fns.values()],
  };
}

async function runScenario(kind: Kind, s: Scenario, keyed: boolean): Promise<void> {
  const ours: Log = [];
  const theirs: Log = [];
  const mine = decorated(kind, s, keyed, ours);
  const ref = reference(kind, s, theirs);
  const settled: Promise<unknown>[] = [];
  let n = 0;
  for (const step of s.steps) {
    if (step.dt > 0) await jest.advanceTimersByTimeAsync(step.dt);
    const key = keyed ? step.key : 'a';
    if (step.op === 'call') {
      n++;
      ref.get(key)(key, n);
      settled.push(
        mine.call(key, n).catch((error: { code?: string }) => {
          if (error.code !== 'E_CANCELLED') throw error;
        }),
      );
    } else if (step.op === 'cancel') {
      for (const f of ref.all()) f.cancel();
      mine.control().cancel();
    } else {
      for (const f of ref.all()) f.flush();
      void mine.control().flush();
    }
  }
  await jest.advanceTimersByTimeAsync(1_000);
  // Streams of different keys are independent: compare each key's invocations (the order
  // between keys at one instant, e.g. in a flush() of every key, is not part of the contract).
  for (const key of ['a', 'b']) {
    expect(ours.filter((entry) => entry[1] === key)).toEqual(
      theirs.filter((entry) => entry[1] === key),
    );
  }
  expect(ours.length).toBe(theirs.length);
  expect(mine.control().pending()).toBe(false);
  // Every caller's promise settled (a result or E_CANCELLED), none is left hanging.
  await Promise.all(settled);
}

describe('@debounce and @throttle against lodash (random schedules, fake timers)', () => {
  beforeAll(() => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
  });
  afterAll(() => {
    jest.useRealTimers();
  });

  for (const kind of ['debounce', 'throttle'] as const) {
    it(`@${kind} invokes at the same times with the same arguments as lodash (500 schedules)`, async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb(kind), (s) => runScenario(kind, s, false)),
        { numRuns: 500 },
      );
    });

    it(`@${kind} with a key matches one lodash ${kind} per key (200 schedules)`, async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb(kind), (s) => runScenario(kind, s, true)),
        { numRuns: 200 },
      );
    });
  }
});
