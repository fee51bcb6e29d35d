/**
 * How `@cached`'s cost grows: hit cost and heap bytes per entry as keys grow (100 to 1 000 000,
 * one instance, number ids) and as instances grow (1 to 100 000, one entry each), beside a
 * hand-written lru-cache memo holding the same entries; and the first call on a new instance
 * (bytes and µs). For information: no target is checked here (the first call's targets are in
 * cached-new-instance.bench.ts).
 *
 * Hit cost: CPU time (`process.cpuUsage()`) per call over 200 000 calls cycling through every
 * key (or instance), median of 5 runs. Bytes: `heapUsed` after two forced collections, before
 * and after filling, divided by the entries filled (needs `--expose-gc`, as `npm run bench`
 * runs it).
 */
import { LRUCache } from 'lru-cache';
import { cached } from '../src/index.js';
import { environmentHeader } from './harness.js';

if (process.env.HOTPATH_BENCH_HEADER !== 'printed') console.log(`${environmentHeader()}\n`);

const OPS = 200_000;
let sink: unknown;

function heap(): number {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

/** Median CPU ns per call of `run(OPS)` over 5 runs. */
function cpuPerCall(run: (n: number) => void): number {
  const samples: number[] = [];
  for (let r = 0; r < 5; r++) {
    const before = process.cpuUsage();
    run(OPS);
    const used = process.cpuUsage(before);
    samples.push(((used.user + used.system) * 1e3) / OPS);
  }
  samples.sort((a, b) => a - b);
  return samples[2]!;
}

const value = (id: number): { id: number } => ({ id });
const rows: string[][] = [];

for (const keys of [100, 1_000, 10_000, 100_000, 1_000_000]) {
  class Svc {
    @cached({ max: keys })
    get(id: number): { id: number } {
      return value(id);
    }
  }
  const svc = new Svc();
  svc.get(-1); // the memo exists before the baseline reading
  let h0 = heap();
  for (let i = 0; i < keys; i++) svc.get(i);
  const hotpathBytes = (heap() - h0) / keys;
  const hotpathNs = cpuPerCall((n) => {
    for (let i = 0; i < n; i++) sink = svc.get(i % keys);
  });

  // lru-cache allocates its slot arrays for `max` up front: counted with the entries.
  h0 = heap();
  const lru = new LRUCache<number, { id: number }>({ max: keys + 1 });
  const memo = (id: number): { id: number } => {
    let v = lru.get(id);
    if (v === undefined) lru.set(id, (v = value(id)));
    return v;
  };
  for (let i = 0; i < keys; i++) memo(i);
  const lruBytes = (heap() - h0) / keys;
  const lruNs = cpuPerCall((n) => {
    for (let i = 0; i < n; i++) sink = memo(i % keys);
  });
  rows.push([
    `${keys.toLocaleString('en')} keys, 1 instance`,
    hotpathNs.toFixed(1),
    lruNs.toFixed(1),
    (hotpathNs / lruNs).toFixed(2) + 'x',
    hotpathBytes.toFixed(0),
    lruBytes.toFixed(0),
  ]);
}

for (const count of [1, 10, 100, 1_000, 10_000, 100_000]) {
  class Svc {
    @cached()
    get(id: number): { id: number } {
      return value(id);
    }
  }
  // The per-instance anchor: a hand-written memo per instance (a Map keyed by the id, made on
  // the first call), which is what one lru-cache per instance would cost at best.
  class Memo {
    #memo: Map<number, { id: number }> | undefined;
    get(id: number): { id: number } {
      const m = (this.#memo ??= new Map());
      let v = m.get(id);
      if (v === undefined) m.set(id, (v = value(id)));
      return v;
    }
  }
  let h0 = heap();
  const svcs = Array.from({ length: count }, () => new Svc());
  for (const s of svcs) s.get(1);
  const hotpathBytes = (heap() - h0) / count;
  const hotpathNs = cpuPerCall((n) => {
    for (let i = 0; i < n; i++) sink = svcs[i % count]!.get(1);
  });
  h0 = heap();
  const memos = Array.from({ length: count }, () => new Memo());
  for (const m of memos) m.get(1);
  const memoBytes = (heap() - h0) / count;
  const memoNs = cpuPerCall((n) => {
    for (let i = 0; i < n; i++) sink = memos[i % count]!.get(1);
  });
  rows.push([
    `${count.toLocaleString('en')} instances, 1 key each`,
    hotpathNs.toFixed(1),
    memoNs.toFixed(1),
    (hotpathNs / memoNs).toFixed(2) + 'x',
    // Below 100 instances the heap's own noise is larger than what they hold.
    count >= 100 ? hotpathBytes.toFixed(0) : '-',
    count >= 100 ? memoBytes.toFixed(0) : '-',
  ]);
}

// The first call on a new instance: its memo, its per-instance state, the entry.
{
  class Svc {
    @cached()
    get(id: number): { id: number } {
      return value(id);
    }
  }
  new Svc().get(1); // the class's site is built
  const N = 10_000;
  const fresh = Array.from({ length: N }, () => new Svc());
  const h0 = heap();
  const before = process.cpuUsage();
  for (const s of fresh) s.get(1);
  const used = process.cpuUsage(before);
  const bytes = (heap() - h0) / N;
  rows.push([
    'first call on a new instance',
    `${((used.user + used.system) / N).toFixed(2)} µs`,
    '-',
    '-',
    bytes.toFixed(0),
    '-',
  ]);
  sink = fresh;
}
void sink;

const header = [
  'case',
  'hotpath cpu ns/hit',
  'anchor cpu ns/hit',
  'ratio',
  'hotpath bytes/entry',
  'anchor bytes/entry',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(
  [
    '\n## how @cached grows (anchor: lru-cache memo for keys, a per-instance Map memo for instances)',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ].join('\n'),
);
