/**
 * hotpath in a process shaped like a real service, not each decorator alone with one string key:
 * 30 warm decorated methods of every kind (sync and async: the interception core's shared call
 * sites have seen them all, so they are polymorphic, as in an application), number ids cycling
 * over 1 000 keys, a `ttl`. Then, interleaved round by round with its anchor (bench/rounds.ts:
 * medians of rounds, ratios per round, CPU time beside wall time):
 *
 * - `@cached()` sync hit vs a hand-written lru-cache memo keyed by the number;
 * - `@cached({ ttl: '5m' })` async hit vs the hand-written memo with lru-cache's `ttl`;
 * - `@use` pass-through vs an undecorated call;
 * - `@profile` per recorded call vs an undecorated call;
 * - `@rateLimit` local engine, no waiting, vs an undecorated async call.
 *
 * Targets are checked on the CPU-time medians (steadier than wall time on a shared machine);
 * both are printed. Writes docs/benchmarks.svg (hotpath beside its anchors).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LRUCache } from 'lru-cache';
import {
  batched,
  cached,
  debounce,
  invalidates,
  profile,
  rateLimit,
  retry,
  throttle,
  timeout,
  use,
  type Middleware,
} from '../src/index.js';
import { check, environmentHeader } from './harness.js';
import { interleaved, writeChart } from './rounds.js';

if (process.env.HOTPATH_BENCH_HEADER !== 'printed') console.log(`${environmentHeader()}\n`);

const KEYS = 1_000;
const ids = Array.from({ length: KEYS }, (_, i) => i);
const strIds = ids.map((i) => `user-${i}`);

interface User {
  id: number;
  name: string;
}
const load = (id: number): User => ({ id, name: `user ${id}` });
const pass: Middleware = (_call, next) => next();

// ---- 30 warm decorated methods of every kind, sync and async --------------------------------
class Warm {
  @cached() s1(id: string): string {
    return id;
  }
  @cached() s2(a: number, b: number): number {
    return a + b;
  }
  @cached({ max: 500 }) s3(o: { id: number }): number {
    return o.id;
  }
  @cached({ ttl: '1m' }) s4(id: number): number {
    return id;
  }
  @cached({ key: (id: number) => id }) s5(id: number): number {
    return id;
  }
  @cached({ ttl: '5m', tags: () => ['t'] }) async a1(id: number): Promise<number> {
    return id;
  }
  @cached() async a2(id: string): Promise<string> {
    return id;
  }
  @cached({ ttl: '10s', staleWhileRevalidate: '1m' }) async a3(id: number): Promise<number> {
    return id;
  }
  @invalidates({ tags: ['t'] }) async inv(id: string): Promise<string> {
    return id;
  }
  @use(pass) u1(id: number): number {
    return id;
  }
  @use(pass, pass) u2(id: string): string {
    return id;
  }
  @use(pass) async u3(id: number): Promise<number> {
    return id;
  }
  @profile() p1(id: number): number {
    return id;
  }
  @profile({ sampleRate: 0.1 }) p2(id: number): number {
    return id;
  }
  @profile() async p3(id: number): Promise<number> {
    return id;
  }
  @rateLimit({ limit: 1e9, interval: '1s' }) async r1(id: number): Promise<number> {
    return id;
  }
  @rateLimit({ algorithm: 'token-bucket', limit: 1e9, interval: '1s' })
  async r2(id: number): Promise<number> {
    return id;
  }
  @rateLimit({ limit: 1e9, interval: '1s', key: (id: number) => id % 10 })
  async r3(id: number): Promise<number> {
    return id;
  }
  @retry({ attempts: 3 }) async t1(id: number): Promise<number> {
    return id;
  }
  @timeout('5s') async t2(id: number): Promise<number> {
    return id;
  }
  @retry({ attempts: 2 }) @timeout('5s') async t3(id: number): Promise<number> {
    return id;
  }
  @debounce(1e9) async d1(id: number): Promise<number> {
    return id;
  }
  @debounce({ wait: 1e9, key: (id: number) => id % 10 }) async d2(id: number): Promise<number> {
    return id;
  }
  @throttle(1e9) async h1(id: number): Promise<number> {
    return id;
  }
  @throttle({ wait: 1e9, key: (id: number) => id % 10 }) async h2(id: number): Promise<number> {
    return id;
  }
  @batched() async b1(ids: number[]): Promise<number[]> {
    return ids;
  }
  @batched({ dedupe: false }) async b2(ids: string[]): Promise<string[]> {
    return ids;
  }
  @profile() @cached() s6(id: number): number {
    return id;
  }
  @use(pass) @cached({ ttl: '1m' }) async a4(id: number): Promise<number> {
    return id;
  }
  @retry({ attempts: 2 }) @cached() async a5(id: number): Promise<number> {
    return id;
  }
}

async function warmUp(): Promise<void> {
  const w = new Warm();
  const w2 = new Warm();
  for (let round = 0; round < 30; round++) {
    const pending: unknown[] = [];
    for (const target of [w, w2]) {
      for (let i = 0; i < 300; i++) {
        const n = (i * 7 + round) % KEYS;
        const s = strIds[n]!;
        target.s1(s);
        target.s2(n, 1);
        target.s3({ id: n });
        target.s4(n);
        target.s5(n);
        target.u1(n);
        target.u2(s);
        target.p1(n);
        target.p2(n);
        target.s6(n);
        pending.push(
          target.a1(n),
          target.a2(s),
          target.a3(n),
          target.u3(n),
          target.p3(n),
          target.r1(n),
          target.r2(n),
          target.r3(n),
          target.t1(n),
          target.t2(n),
          target.t3(n),
          target.b1([n]),
          target.b2([s]),
          target.a4(n),
          target.a5(n),
        );
        // Debounced and throttled calls settle only when their (far) wait ends: not awaited.
        if (i % 100 === 0) {
          pending.push(target.inv(s));
          void target.d1(n);
          void target.d2(n);
          void target.h1(n);
          void target.h2(n);
        }
      }
    }
    await Promise.all(pending);
  }
}

// ---- the measured methods and their anchors --------------------------------------------------
class Service {
  @cached()
  getUser(id: number): User {
    return load(id);
  }

  @cached({ ttl: '5m' })
  async getUserAsync(id: number): Promise<User> {
    return load(id);
  }

  @use(pass)
  passThrough(id: number): number {
    return id + 1;
  }

  @profile()
  profiled(id: number): number {
    return id + 1;
  }

  @rateLimit({ limit: 1e9, interval: '1s' })
  async limited(id: number): Promise<number> {
    return id + 1;
  }
}

class Plain {
  plain(id: number): number {
    return id + 1;
  }
  async plainAsync(id: number): Promise<number> {
    return id + 1;
  }
}

// What a careful user writes by hand with lru-cache.
const memo = new LRUCache<number, User>({ max: 10_000 });
function memoGet(id: number): User {
  let v = memo.get(id);
  if (v === undefined) memo.set(id, (v = load(id)));
  return v;
}
const ttlMemo = new LRUCache<number, User>({ max: 10_000, ttl: 5 * 60_000 });
async function ttlMemoGet(id: number): Promise<User> {
  let v = ttlMemo.get(id);
  if (v === undefined) ttlMemo.set(id, (v = await Promise.resolve(load(id))));
  return v;
}

let sink: unknown;
const svc = new Service();
const plain = new Plain();

await warmUp();
// First calls fill every key (misses), so the measured calls are all hits.
for (const id of ids) {
  svc.getUser(id);
  await svc.getUserAsync(id);
  memoGet(id);
  await ttlMemoGet(id);
}

const SYNC_OPS = 200_000;
const ASYNC_OPS = 50_000;
const ROUNDS = Number(process.env.HOTPATH_BENCH_ROUNDS ?? 9);

const sync = await interleaved(
  'realistic: sync calls, 30 warm methods, number ids over 1 000 keys',
  [
    {
      name: 'hand-written lru-cache memo (sync hit)',
      run: (n) => {
        for (let i = 0; i < n; i++) sink = memoGet(ids[i % KEYS]!);
      },
    },
    {
      name: '@cached() sync hit',
      vs: 'hand-written lru-cache memo (sync hit)',
      run: (n) => {
        for (let i = 0; i < n; i++) sink = svc.getUser(ids[i % KEYS]!);
      },
    },
    {
      name: 'undecorated call',
      run: (n) => {
        for (let i = 0; i < n; i++) sink = plain.plain(ids[i % KEYS]!);
      },
    },
    {
      name: '@use pass-through',
      vs: 'undecorated call',
      run: (n) => {
        for (let i = 0; i < n; i++) sink = svc.passThrough(ids[i % KEYS]!);
      },
    },
    {
      name: '@profile() per recorded call',
      vs: 'undecorated call',
      run: (n) => {
        for (let i = 0; i < n; i++) sink = svc.profiled(ids[i % KEYS]!);
      },
    },
  ],
  { rounds: ROUNDS, ops: SYNC_OPS },
);

const asyncs = await interleaved(
  'realistic: async calls, 30 warm methods, number ids over 1 000 keys',
  [
    {
      name: 'hand-written lru-cache memo with ttl (async hit)',
      run: async (n) => {
        for (let i = 0; i < n; i++) sink = await ttlMemoGet(ids[i % KEYS]!);
      },
    },
    {
      name: "@cached({ ttl: '5m' }) async hit",
      vs: 'hand-written lru-cache memo with ttl (async hit)',
      run: async (n) => {
        for (let i = 0; i < n; i++) sink = await svc.getUserAsync(ids[i % KEYS]!);
      },
    },
    {
      name: 'undecorated async call',
      run: async (n) => {
        for (let i = 0; i < n; i++) sink = await plain.plainAsync(ids[i % KEYS]!);
      },
    },
    {
      name: '@rateLimit local, no waiting',
      vs: 'undecorated async call',
      run: async (n) => {
        for (let i = 0; i < n; i++) sink = await svc.limited(ids[i % KEYS]!);
      },
    },
  ],
  { rounds: ROUNDS, ops: ASYNC_OPS },
);
void sink;

const cpu = (m: typeof sync, name: string) => m.get(name)!;
const syncHit = cpu(sync, '@cached() sync hit');
const asyncHit = cpu(asyncs, "@cached({ ttl: '5m' }) async hit");
const useRow = cpu(sync, '@use pass-through');
const profileRow = cpu(sync, '@profile() per recorded call');
const limitRow = cpu(asyncs, '@rateLimit local, no waiting');
console.log('');
check('realistic @cached sync hit vs hand-written memo (cpu ratio)', syncHit.cpuRatio!, '<=', 1.2);
check(
  'realistic @cached ttl async hit vs hand-written memo (cpu ratio)',
  asyncHit.cpuRatio!,
  '<=',
  1.1,
);
check('realistic @use pass-through over an undecorated call', useRow.cpuOverNs!, '<=', 25, 'ns');
check('realistic @profile over an undecorated call', profileRow.cpuOverNs!, '<=', 100, 'ns');
check(
  'realistic @rateLimit no-wait vs undecorated async call (cpu ratio)',
  limitRow.cpuRatio!,
  '<=',
  1.3,
);

const anchorOf = (m: typeof sync, name: string) => m.get(m.get(name)!.vs!)!.cpuNs;
writeChart(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'benchmarks.svg'),
  'hotpath beside its anchors, realistic process (CPU ns per call, median of rounds)',
  [
    {
      label: '@cached() sync hit',
      hotpathNs: syncHit.cpuNs,
      anchor: 'lru-cache memo',
      anchorNs: anchorOf(sync, '@cached() sync hit'),
    },
    {
      label: "@cached({ ttl: '5m' }) async hit",
      hotpathNs: asyncHit.cpuNs,
      anchor: 'lru-cache memo with ttl',
      anchorNs: anchorOf(asyncs, "@cached({ ttl: '5m' }) async hit"),
    },
    {
      label: '@use pass-through',
      hotpathNs: useRow.cpuNs,
      anchor: 'undecorated call',
      anchorNs: anchorOf(sync, '@use pass-through'),
    },
    {
      label: '@profile() per call',
      hotpathNs: profileRow.cpuNs,
      anchor: 'undecorated call',
      anchorNs: anchorOf(sync, '@profile() per recorded call'),
    },
    {
      label: '@rateLimit local, no wait',
      hotpathNs: limitRow.cpuNs,
      anchor: 'undecorated async call',
      anchorNs: anchorOf(asyncs, '@rateLimit local, no waiting'),
    },
  ],
);

// The debounced and throttled warm-up calls wait 1e9 ms: do not wait for them.
process.exit();
