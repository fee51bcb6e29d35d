/**
 * Pools, side by side in one run:
 *
 * 1. A query (`select 1`) through `@withResource` on a pool of `pg` clients against a new
 *    `pg` connection per query (connect, query, end): what pooling saves. Needs `POSTGRES_URL`
 *    (skipped without it). The seeds claimed 5–10x; this prints what is measured.
 * 2. The cost `@withResource` adds to tarn: a decorated method that reads its resource with
 *    `resource()` against a raw tarn `acquire()` / `release()` on an equal pool (target
 *    <= 1.2x), with `pool.use()` and hotpath's own `acquire()`/`release()` beside them.
 * 3. `objectPool().use()` against `new` for a 2 KB scratch object, under GC pressure (a retained
 *    heap of 300 000 small objects, so every collection has work to do): time per call and the
 *    collector's time (`PerformanceObserver` 'gc' entries) over the same number of calls.
 *
 * On a shared machine wall-clock medians move with other people's load (a lease is a few
 * microseconds, much of it waiting for timers and microtask turns that other processes delay);
 * CPU time per call (`process.cpuUsage`, GC threads included), over interleaved rounds, is
 * printed beside them, and the overhead target is checked on it: it is the work the decorator
 * adds.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import pg from 'pg';
import { objectPool, pool, resource, withResource } from '../src/index.js';
import { tarn } from '../src/pool/tarn.js';
import { check, compare, type Comparison } from './harness.js';

/** CPU time per call (ns) of each case: median of `rounds` interleaved rounds of `calls` calls. */
async function cpuPerCall(
  title: string,
  cases: [string, () => unknown][],
  calls: number,
  rounds = 7,
): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of cases) {
      const start = process.cpuUsage();
      for (let i = 0; i < calls; i++) await fn();
      const used = process.cpuUsage(start);
      samples.set(name, [...(samples.get(name) ?? []), ((used.user + used.system) * 1000) / calls]);
    }
  }
  console.log(`\n## ${title}: CPU time per call (median of ${rounds} interleaved rounds)`);
  const medians = new Map<string, number>();
  for (const [name, values] of samples) {
    const median = [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    medians.set(name, median);
    console.log(`${name.padEnd(44)} ${(median / 1000).toFixed(2)} µs`);
  }
  return medians;
}

function ratio(r: Comparison, slow: string, fast: string): number {
  return r.get(slow).medianNs / r.get(fast).medianNs;
}

// ---- 1. PostgreSQL: pooled query vs a connection per query ------------------------------

const url = process.env.POSTGRES_URL;
if (url === undefined || url === '') {
  console.log('\n## pg: skipped (POSTGRES_URL not set)');
} else {
  const db = pool<pg.Client>({
    create: async () => {
      const client = new pg.Client(url);
      client.on('error', () => {});
      await client.connect();
      return client;
    },
    destroy: (client) => client.end(),
    max: 4,
  });
  class Repo {
    @withResource(db)
    async one(): Promise<number> {
      return (await resource(db).query('select 1 as n')).rows[0].n;
    }
  }
  const repo = new Repo();
  const perQuery = async (): Promise<number> => {
    const client = new pg.Client(url);
    await client.connect();
    try {
      return (await client.query('select 1 as n')).rows[0].n;
    } finally {
      await client.end();
    }
  };
  const r = await compare(
    'pg: select 1, one query at a time',
    [
      { name: 'new pg.Client per query (connect, query, end)', fn: perQuery, baseline: true },
      { name: '@withResource on a pool of pg clients', fn: () => repo.one() },
    ],
    { rounds: 3, minTimeMs: 1_000 },
  );
  console.log(
    `pooled query speed-up: ${ratio(r, 'new pg.Client per query (connect, query, end)', '@withResource on a pool of pg clients').toFixed(1)}x (wall clock)`,
  );
  const cpu = await cpuPerCall(
    'pg',
    [
      ['new pg.Client per query (connect, query, end)', perQuery],
      ['@withResource on a pool of pg clients', () => repo.one()],
    ],
    50,
  );
  console.log(
    `pooled query speed-up in this process's CPU time: ${(cpu.get('new pg.Client per query (connect, query, end)')! / cpu.get('@withResource on a pool of pg clients')!).toFixed(1)}x (the server's own cost of a connection is not in it)`,
  );
  await db.shutdown();
}

// ---- 2. @withResource over raw tarn ------------------------------------------------------

const { Pool: TarnPool } = tarn();
const raw = new TarnPool<{ id: number }>({
  create: async () => ({ id: 1 }),
  destroy: () => {},
  min: 0,
  max: 4,
});
const ours = pool<{ id: number }>({ create: async () => ({ id: 1 }), destroy: () => {}, max: 4 });
class Leasing {
  @withResource(ours)
  async read(): Promise<number> {
    return resource(ours).id;
  }
}
const leasing = new Leasing();
const rawLease = async (): Promise<number> => {
  const r = await raw.acquire().promise;
  try {
    return r.id;
  } finally {
    raw.release(r);
  }
};
const ownLease = async (): Promise<number> => {
  const r = await ours.acquire();
  try {
    return r.id;
  } finally {
    ours.release(r);
  }
};
const decoratorCases: [string, () => Promise<number>][] = [
  ['raw tarn acquire() / release()', rawLease],
  ['@withResource + resource()', () => leasing.read()],
  ['pool.use(fn)', () => ours.use(async (r) => r.id)],
  ["hotpath pool's acquire() / release()", ownLease],
];
const lease = await compare(
  'one lease, nothing done with it',
  decoratorCases.map(([name, fn], i) => ({ name, fn, baseline: i === 0 })),
  { rounds: 5 },
);
console.log(
  `@withResource over raw tarn, wall clock: ${ratio(lease, '@withResource + resource()', 'raw tarn acquire() / release()').toFixed(2)}x`,
);
const leaseCpu = await cpuPerCall('one lease', decoratorCases, 20_000);
check(
  '@withResource over raw tarn acquire/release (CPU time per call)',
  leaseCpu.get('@withResource + resource()')! / leaseCpu.get('raw tarn acquire() / release()')!,
  '<=',
  1.2,
  'x',
);
await raw.destroy();
await ours.shutdown();

// ---- 3. objectPool vs new under GC pressure ---------------------------------------------

class Scratch {
  readonly values = new Float64Array(256);
  used = 0;
}
const scratch = objectPool({
  create: () => new Scratch(),
  reset: (s) => {
    s.values.fill(0, 0, s.used);
    s.used = 0;
  },
});
function work(s: Scratch, n: number): number {
  for (let i = 0; i < 32; i++) s.values[i] = i * n;
  s.used = 32;
  let sum = 0;
  for (let i = 0; i < 32; i++) sum += s.values[i]!;
  return sum;
}
// A retained heap: every collection has live objects to walk.
const retained = Array.from({ length: 300_000 }, (_, i) => ({ i, label: `item ${i}` }));
let n = 0;
const objectCases: [string, () => number][] = [
  ['new Scratch() per call', () => work(new Scratch(), n++)],
  ['objectPool().use()', () => scratch.use((s) => work(s, n++))],
];
await compare(
  'a 2 KB scratch object per call, 300 000 objects retained',
  objectCases.map(([name, fn], i) => ({ name, fn, baseline: i === 0 })),
  { rounds: 3 },
);

/** Wall time and collector time for `calls` calls of `fn`. */
async function gcTime(
  fn: () => number,
  calls: number,
): Promise<{ wallMs: number; gcMs: number; gcs: number }> {
  globalThis.gc?.();
  let gcMs = 0;
  let gcs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMs += entry.duration;
      gcs++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const start = performance.now();
  let sink = 0;
  for (let i = 0; i < calls; i++) sink += fn();
  const wallMs = performance.now() - start;
  // GC entries are delivered asynchronously.
  await new Promise((r) => setTimeout(r, 50));
  observer.disconnect();
  if (sink === Number.MIN_VALUE) console.log(sink);
  return { wallMs, gcMs, gcs };
}
console.log('\n## collector time over 2 000 000 calls (median of 5 interleaved rounds)');
const gcRounds = new Map<string, { wallMs: number; gcMs: number; gcs: number }[]>();
for (let round = 0; round < 5; round++) {
  for (const [name, fn] of objectCases) {
    gcRounds.set(name, [...(gcRounds.get(name) ?? []), await gcTime(fn, 2_000_000)]);
  }
}
for (const [name, rounds] of gcRounds) {
  const mid = [...rounds].sort((a, b) => a.wallMs - b.wallMs)[2]!;
  console.log(
    `${name.padEnd(26)} wall ${mid.wallMs.toFixed(0)} ms, GC ${mid.gcMs.toFixed(1)} ms in ${mid.gcs} collections`,
  );
}
await cpuPerCall('a 2 KB scratch object per call', objectCases, 200_000);
console.log(`(retained: ${retained.length} objects)`);
