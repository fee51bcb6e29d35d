/**
 * Benchmark harness: side-by-side comparisons measured in one process and one run, printed
 * as a table of ns/op with ratios against a baseline case.
 *
 * Measurement is done by mitata's `measure()`, which warms a function up, batches calls that
 * take a few nanoseconds (per-call timers cost ~30 ns on Node 20 and would swamp them),
 * awaits functions that return promises, and reports per-call percentiles.
 *
 * ```ts
 * const r = await compare('Map.get vs call', [
 *   { name: 'empty call', fn: () => noop(), baseline: true },
 *   { name: 'Map.get', fn: () => map.get('k') },
 * ]);
 * check('Map.get', r.get('Map.get').medianNs, '<=', 50, 'ns');
 * ```
 *
 * Run through `npm run bench [-- <filter>]` (bench/run.ts), which starts every bench file in
 * its own process with `--expose-gc`.
 */
import os from 'node:os';
import { do_not_optimize, measure } from 'mitata';

/** One thing to measure. `fn` may return a promise: it is then awaited on every call. */
export interface BenchCase {
  name: string;
  fn: () => unknown;
  /** The case every other case's median is divided by (at most one per comparison). */
  baseline?: boolean;
}

export interface CompareOptions {
  /** Minimum measuring time per case and round, in ms. Default 650 (mitata's default). */
  minTimeMs?: number;
  /**
   * Rounds: every case is measured once per round, cases interleaved, and the round with
   * the median `medianNs` is kept. More rounds cancel some drift (thermal, JIT). Default 1.
   */
  rounds?: number;
}

/** The figures of one case. All times are nanoseconds per call. */
interface CaseResult {
  name: string;
  baseline: boolean;
  async: boolean;
  medianNs: number;
  meanNs: number;
  p99Ns: number;
  minNs: number;
  /** Calls per second, from the mean. */
  opsPerSec: number;
  /** `medianNs` divided by the baseline case's `medianNs`; undefined without a baseline. */
  ratio: number | undefined;
  /** Number of samples mitata took (a sample may batch many calls). */
  samples: number;
}

export interface Comparison {
  title: string;
  rows: CaseResult[];
  /** The row named `name`; throws if there is none. */
  get(name: string): CaseResult;
}

/** Comparison operators for {@link check}. */
export type CheckOp = '<' | '<=' | '>' | '>=';

let headerPrinted = process.env.HOTPATH_BENCH_HEADER === 'printed';

/** Date, Node and V8 versions, CPU and memory: printed once per run, above any figure. */
export function environmentHeader(): string {
  const cpus = os.cpus();
  return [
    `date:  ${new Date().toISOString()}`,
    `node:  ${process.version} (V8 ${process.versions.v8}), ${process.platform}/${process.arch}`,
    `cpu:   ${cpus[0]?.model.trim() ?? 'unknown'} x ${cpus.length}`,
    `mem:   ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
  ].join('\n');
}

function printHeaderOnce(): void {
  if (headerPrinted) return;
  headerPrinted = true;
  console.log(`${environmentHeader()}\n`);
  if (typeof globalThis.gc !== 'function') {
    console.log(
      'note: global.gc is not exposed (run through `npm run bench`, or node --expose-gc)\n',
    );
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

async function measureCase(bench: BenchCase, minTimeMs: number): Promise<CaseResult> {
  const first = bench.fn();
  const isAsync = isPromiseLike(first);
  if (isAsync) await first;
  // Keep sync results observable so the optimiser cannot drop the call; async results are
  // consumed by the await inside mitata. mitata awaits only real Promises.
  const target = isAsync ? () => Promise.resolve(bench.fn()) : () => do_not_optimize(bench.fn());
  const stats = await measure(isAsync && first instanceof Promise ? bench.fn : target, {
    min_cpu_time: minTimeMs * 1e6,
  });
  return {
    name: bench.name,
    baseline: bench.baseline === true,
    async: isAsync,
    medianNs: stats.p50,
    meanNs: stats.avg,
    p99Ns: stats.p99,
    minNs: stats.min,
    opsPerSec: stats.avg > 0 ? 1e9 / stats.avg : Infinity,
    ratio: undefined,
    samples: stats.samples.length,
  };
}

/**
 * Measures every case (in the order given, interleaved when `rounds` > 1), prints a table
 * and returns the figures.
 */
export async function compare(
  title: string,
  cases: BenchCase[],
  opts: CompareOptions = {},
): Promise<Comparison> {
  if (cases.length === 0) throw new Error(`compare('${title}'): no cases`);
  const baselines = cases.filter((c) => c.baseline);
  if (baselines.length > 1) throw new Error(`compare('${title}'): more than one baseline case`);
  const names = new Set(cases.map((c) => c.name));
  if (names.size !== cases.length)
    throw new Error(`compare('${title}'): case names must be unique`);
  const minTimeMs = opts.minTimeMs ?? 650;
  const rounds = Math.max(1, Math.floor(opts.rounds ?? 1));
  printHeaderOnce();

  const perCase = new Map<string, CaseResult[]>();
  for (let round = 0; round < rounds; round++) {
    for (const bench of cases) {
      const result = await measureCase(bench, minTimeMs);
      perCase.set(bench.name, [...(perCase.get(bench.name) ?? []), result]);
    }
  }

  const rows = cases.map((bench) => {
    const results = [...(perCase.get(bench.name) ?? [])].sort((a, b) => a.medianNs - b.medianNs);
    return results[Math.floor((results.length - 1) / 2)] as CaseResult;
  });
  const baseline = rows.find((r) => r.baseline);
  if (baseline) {
    for (const row of rows)
      row.ratio = baseline.medianNs > 0 ? row.medianNs / baseline.medianNs : undefined;
  }

  console.log(formatTable(title, rows, rounds));
  return {
    title,
    rows,
    get(name: string): CaseResult {
      const row = rows.find((r) => r.name === name);
      if (!row) throw new Error(`compare('${title}'): no case named '${name}'`);
      return row;
    },
  };
}

function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns >= 100) return ns.toFixed(0);
  if (ns >= 10) return ns.toFixed(1);
  return ns.toFixed(2);
}

function formatOps(ops: number): string {
  if (!Number.isFinite(ops)) return '∞';
  if (ops >= 1e9) return `${(ops / 1e9).toFixed(2)} G`;
  if (ops >= 1e6) return `${(ops / 1e6).toFixed(2)} M`;
  if (ops >= 1e3) return `${(ops / 1e3).toFixed(1)} k`;
  return ops.toFixed(0);
}

function formatTable(title: string, rows: CaseResult[], rounds: number): string {
  const header = ['case', 'median ns/op', 'mean ns/op', 'p99 ns/op', 'ops/s', 'vs baseline'];
  const body = rows.map((r) => [
    `${r.name}${r.async ? ' (async)' : ''}${r.baseline ? ' *' : ''}`,
    formatNs(r.medianNs),
    formatNs(r.meanNs),
    formatNs(r.p99Ns),
    formatOps(r.opsPerSec),
    r.baseline ? 'baseline' : r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const note = rounds > 1 ? ` (median of ${rounds} rounds)` : '';
  return [`\n## ${title}${note}`, line(header), rule, ...body.map(line)].join('\n');
}

/**
 * Prints a verdict line for a target, e.g. `target  cached hit: 96.1 ns <= 150 ns  PASS`,
 * and returns whether it passed. A failed target sets a non-zero exit code.
 */
export function check(
  label: string,
  actual: number,
  op: CheckOp,
  target: number,
  unit = '',
): boolean {
  const passed =
    op === '<'
      ? actual < target
      : op === '<='
        ? actual <= target
        : op === '>'
          ? actual > target
          : actual >= target;
  const u = unit ? ` ${unit}` : '';
  const shown = Number.isInteger(actual) ? String(actual) : actual.toFixed(2);
  console.log(`target  ${label}: ${shown}${u} ${op} ${target}${u}  ${passed ? 'PASS' : 'FAIL'}`);
  if (!passed) process.exitCode = 1;
  return passed;
}

export interface HeapResult {
  label: string;
  beforeBytes: number;
  afterBytes: number;
  growthBytes: number;
  /** False when `global.gc` is not exposed: figures then include uncollected garbage. */
  exact: boolean;
}

function collect(): void {
  const gc = globalThis.gc;
  if (typeof gc !== 'function') return;
  // Two passes: the first can leave objects that only the second finds unreachable.
  gc();
  gc();
}

/**
 * Heap growth caused by `fn`: garbage-collects, records `heapUsed`, runs (and awaits) `fn`,
 * garbage-collects again and prints the difference. Whatever `fn` returns is kept alive
 * until after the second measurement: return the structure whose retained size you want
 * (e.g. the decorated instance). Needs `--expose-gc` (bench/run.ts passes it) to be exact.
 */
export async function heapGrowth(label: string, fn: () => unknown): Promise<HeapResult> {
  printHeaderOnce();
  const exact = typeof globalThis.gc === 'function';
  collect();
  const beforeBytes = process.memoryUsage().heapUsed;
  let kept: unknown = fn();
  if (isPromiseLike(kept)) kept = await kept;
  collect();
  const afterBytes = process.memoryUsage().heapUsed;
  do_not_optimize(kept);
  const result = { label, beforeBytes, afterBytes, growthBytes: afterBytes - beforeBytes, exact };
  const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MB`;
  console.log(
    `heap    ${label}: +${mb(result.growthBytes)} (before ${mb(beforeBytes)}, after ${mb(afterBytes)})` +
      (exact ? '' : '  [approximate: run with --expose-gc]'),
  );
  return result;
}
