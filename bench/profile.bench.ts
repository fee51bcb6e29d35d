/**
 * Target: `@profile` per recorded call <= 150 ns over an undecorated call, beside
 * `performance.timerify` with a histogram (Node's own "time this function" wrapper) and a
 * hand-written `performance.now()` pair. Also: the histogram's `record()` against
 * `perf_hooks.createHistogram().record()`, and the cost of the `hotpath:call` tracing channel
 * in the interception core when nobody subscribes (target: not measurable, <= 2 ns). And what
 * `@profile({ memory: true })` (two heap readings per call) costs beside plain `@profile`.
 */
import { createHistogram, performance } from 'node:perf_hooks';
import { profile, use } from '../src/index.js';
import { callChannel, type CallContext } from '../src/extend.js';
import { Call } from '../src/core/call.js';
import { siteOf } from '../src/core/site.js';
import { DurationHistogram } from '../src/profile/histogram.js';
import { check, compare } from './harness.js';

function add(a: number, b: number): number {
  return a + b;
}

class Plain {
  add(a: number, b: number): number {
    return a + b;
  }
}

class Profiled {
  @profile()
  add(a: number, b: number): number {
    return a + b;
  }

  @profile({ sampleRate: 0.01 })
  sampled(a: number, b: number): number {
    return a + b;
  }

  @profile({ memory: true })
  addMemory(a: number, b: number): number {
    return a + b;
  }

  @profile({ memory: true, sampleRate: 0.01 })
  sampledMemory(a: number, b: number): number {
    return a + b;
  }

  @profile()
  async addAsync(a: number, b: number): Promise<number> {
    return a + b;
  }
}

class PlainAsync {
  async addAsync(a: number, b: number): Promise<number> {
    return a + b;
  }
}

const plain = new Plain();
const profiled = new Profiled();
const plainAsync = new PlainAsync();
const timerifyHistogram = createHistogram();
const timerified = performance.timerify(add, { histogram: timerifyHistogram });
const manualHistogram = new DurationHistogram();
const manual = (a: number, b: number): number => {
  const start = performance.now();
  const r = add(a, b);
  manualHistogram.record((performance.now() - start) * 1e6);
  return r;
};
let i = 0;

const overhead = await compare(
  '@profile per recorded call vs an undecorated call',
  [
    { name: 'undecorated method', fn: () => plain.add(i++, 1), baseline: true },
    { name: '@profile() method', fn: () => profiled.add(i++, 1) },
    { name: '@profile({ sampleRate: 0.01 })', fn: () => profiled.sampled(i++, 1) },
    { name: 'performance.timerify + histogram', fn: () => timerified(i++, 1) },
    { name: 'hand-written now() pair + record', fn: () => manual(i++, 1) },
  ],
  { rounds: 3 },
);
const perCall =
  overhead.get('@profile() method').medianNs - overhead.get('undecorated method').medianNs;
console.log(`@profile overhead per recorded call: ${perCall.toFixed(1)} ns`);
check('@profile overhead per recorded call', perCall, '<=', 150, 'ns');

const memory = await compare(
  '@profile({ memory: true }) per call beside plain @profile',
  [
    { name: '@profile() method', fn: () => profiled.add(i++, 1), baseline: true },
    { name: '@profile({ memory: true }) method', fn: () => profiled.addMemory(i++, 1) },
    {
      name: '@profile({ memory: true, sampleRate: 0.01 })',
      fn: () => profiled.sampledMemory(i++, 1),
    },
  ],
  { rounds: 3 },
);
const memoryPerCall =
  memory.get('@profile({ memory: true }) method').medianNs -
  memory.get('@profile() method').medianNs;
console.log(`memory: true adds per recorded call: ${memoryPerCall.toFixed(0)} ns`);

await compare('@profile on an async method (timed until the promise settles)', [
  { name: 'undecorated async method', fn: () => plainAsync.addAsync(i++, 1), baseline: true },
  { name: '@profile() async method', fn: () => profiled.addAsync(i++, 1) },
]);

const nodeHistogram = createHistogram();
const ours = new DurationHistogram();
await compare('histogram record(): log-linear vs perf_hooks.createHistogram', [
  { name: 'DurationHistogram.record', fn: () => ours.record((i++ & 0xfffff) + 1), baseline: true },
  { name: 'createHistogram().record', fn: () => nodeHistogram.record((i++ & 0xfffff) + 1) },
]);

// The tracing hook: the same wrapper as the core's, with and without the `hasSubscribers`
// check, around one pass-through middleware.
class Decorated {
  @use((_call, next) => next())
  add(a: number, b: number): number {
    return a + b;
  }
}
const decorated = new Decorated();
const site = siteOf(Decorated.prototype.add)!;
decorated.add(0, 0); // compile the chain
function withoutHook(this: object, ...args: unknown[]): unknown {
  return site.invoke(new Call(site, this, this, args));
}
function withHook(this: object, ...args: unknown[]): unknown {
  const call = new Call(site, this, this, args);
  return callChannel.hasSubscribers ? undefined : site.invoke(call);
}
const channel = await compare(
  'hotpath:call tracing channel, nobody subscribed',
  [
    {
      name: 'wrapper without the hook',
      fn: () => withoutHook.call(decorated, i++, 1),
      baseline: true,
    },
    { name: 'wrapper with the hook', fn: () => withHook.call(decorated, i++, 1) },
    { name: '@use method (the real core)', fn: () => decorated.add(i++, 1) },
  ],
  { rounds: 5 },
);
const hookCost =
  channel.get('wrapper with the hook').medianNs - channel.get('wrapper without the hook').medianNs;
console.log(`tracing hook cost without subscribers: ${hookCost.toFixed(2)} ns`);
check('tracing channel cost without subscribers', Math.abs(hookCost), '<=', 2, 'ns');

const noop = {
  start: (_c: CallContext) => undefined,
  end: (_c: CallContext) => undefined,
  asyncStart: (_c: CallContext) => undefined,
  asyncEnd: (_c: CallContext) => undefined,
  error: (_c: CallContext) => undefined,
};
callChannel.subscribe(noop);
await compare('hotpath:call with a no-op subscriber (what tracing costs when on)', [
  { name: 'undecorated method', fn: () => plain.add(i++, 1), baseline: true },
  { name: '@use method, traced', fn: () => decorated.add(i++, 1) },
]);
callChannel.unsubscribe(noop);
