/**
 * Target: `@batched`, 100 000 single-item calls in one tick, at least 1.2x the throughput of
 * DataLoader's `load()` with `cache: false` on the same work (an identity batch function, every
 * caller awaited through `Promise.all`). `cache: false` is the fair anchor: `@batched` keeps
 * nothing across batches (that is `@cached`'s job), and a caching DataLoader also keeps a `Map`
 * entry per key. The caching DataLoader is shown beside it. Figures are per 100 000-call round;
 * the table also shows ns per call.
 *
 * On a shared machine, wall-clock medians move with other people's load; the second figure,
 * CPU time per call over interleaved rounds (`process.cpuUsage`, GC threads included), is
 * steadier, and the target is checked on it (both are printed).
 */
import DataLoader from 'dataloader';
import { batched, control } from '../src/index.js';
import { check, compare } from './harness.js';

const N = 100_000;

class Repo {
  @batched()
  async load(ids: number[]): Promise<number[]> {
    return ids;
  }
}

class RepoEager {
  // A size limit makes dedupe run as items arrive (a Map lookup per item) instead of at dispatch.
  @batched({ maxBatchSize: 1_000_000 })
  async load(ids: number[]): Promise<number[]> {
    return ids;
  }
}

class RepoNoDedupe {
  @batched({ dedupe: false })
  async load(ids: number[]): Promise<number[]> {
    return ids;
  }
}

class StringRepo {
  @batched()
  async load(ids: string[]): Promise<string[]> {
    return ids;
  }
}

const repo = new Repo();
const stringRepo = new StringRepo();
const stringIds = Array.from({ length: N }, (_, i) => `user-${i}`);
const identityStrings = (keys: readonly string[]): Promise<readonly string[]> =>
  Promise.resolve(keys);
const repoNoDedupe = new RepoNoDedupe();
const repoEager = new RepoEager();
const identity = (keys: readonly number[]): Promise<readonly number[]> => Promise.resolve(keys);

function dataLoaderRound(): Promise<unknown> {
  // A new loader per round, as per request in a server: otherwise its cache answers everything.
  const loader = new DataLoader<number, number>(identity);
  const out = new Array<Promise<number>>(N);
  for (let i = 0; i < N; i++) out[i] = loader.load(i);
  return Promise.all(out);
}

function dataLoaderNoCacheRound(): Promise<unknown> {
  const loader = new DataLoader<number, number>(identity, { cache: false });
  const out = new Array<Promise<number>>(N);
  for (let i = 0; i < N; i++) out[i] = loader.load(i);
  return Promise.all(out);
}

function dataLoaderStringRound(): Promise<unknown> {
  const loader = new DataLoader<string, string>(identityStrings);
  const out = new Array<Promise<string>>(N);
  for (let i = 0; i < N; i++) out[i] = loader.load(stringIds[i]!);
  return Promise.all(out);
}

function batchedStringRound(): Promise<unknown> {
  const out = new Array<Promise<string[]>>(N);
  for (let i = 0; i < N; i++) out[i] = stringRepo.load([stringIds[i]!]);
  return Promise.all(out);
}

function batchedRound(target: { load(ids: number[]): Promise<number[]> }): Promise<unknown> {
  const out = new Array<Promise<number[]>>(N);
  for (let i = 0; i < N; i++) out[i] = target.load([i]);
  return Promise.all(out);
}

// Sanity: one round answers every caller with its own item, in one body call.
const answers = (await batchedRound(repo)) as number[][];
if (answers.length !== N || answers[N - 1]![0] !== N - 1) throw new Error('wrong answers');
if ((control(repo, 'load').stats().batched as { batches: number }).batches !== 1) {
  throw new Error('expected one batch for one tick');
}

const r = await compare(
  `100 000 single-item calls in one tick (ns per round of ${N} calls)`,
  [
    { name: 'DataLoader load()', fn: dataLoaderRound, baseline: true },
    { name: 'DataLoader load(), cache: false', fn: dataLoaderNoCacheRound },
    { name: '@batched', fn: () => batchedRound(repo) },
    { name: '@batched, dedupe: false', fn: () => batchedRound(repoNoDedupe) },
    { name: '@batched, maxBatchSize set (dedupe on arrival)', fn: () => batchedRound(repoEager) },
    { name: 'DataLoader load(), string ids', fn: dataLoaderStringRound },
    { name: '@batched, string ids', fn: batchedStringRound },
  ],
  { minTimeMs: 1_000, rounds: 5 },
);
for (const row of r.rows) {
  console.log(`${row.name}: ${(row.medianNs / N).toFixed(0)} ns per call`);
}
const dl = r.get('DataLoader load()').medianNs;
const dlNoCache = r.get('DataLoader load(), cache: false').medianNs;
const ours = r.get('@batched').medianNs;
console.log(
  `wall-clock throughput @batched / DataLoader cache: false: ${(dlNoCache / ours).toFixed(2)}x`,
);
console.log(`wall-clock throughput @batched / DataLoader (caching): ${(dl / ours).toFixed(2)}x`);
console.log(
  `wall-clock throughput with string ids: ${(r.get('DataLoader load(), string ids').medianNs / r.get('@batched, string ids').medianNs).toFixed(2)}x`,
);

// CPU time per call, cases interleaved, median of 9 rounds of 5 calls each.
const cpuCases: [string, () => Promise<unknown>][] = [
  ['DataLoader load(), cache: false', dataLoaderNoCacheRound],
  ['DataLoader load()', dataLoaderRound],
  ['@batched', () => batchedRound(repo)],
  ['@batched, maxBatchSize set', () => batchedRound(repoEager)],
  ['DataLoader load(), string ids', dataLoaderStringRound],
  ['@batched, string ids', batchedStringRound],
];
const cpu = new Map<string, number[]>();
for (let round = 0; round < 9; round++) {
  for (const [name, fn] of cpuCases) {
    const start = process.cpuUsage();
    for (let k = 0; k < 5; k++) await fn();
    const used = process.cpuUsage(start);
    cpu.set(name, [...(cpu.get(name) ?? []), ((used.user + used.system) * 1000) / 5 / N]);
  }
}
console.log('\n## CPU time per call (median of 9 interleaved rounds)');
for (const [name, values] of cpu) {
  const median = [...values].sort((a, b) => a - b)[4]!;
  cpu.set(name, [median]);
  console.log(`${name.padEnd(32)} ${median.toFixed(0)} ns`);
}
const cpuOf = (name: string): number => cpu.get(name)![0]!;
console.log(
  `CPU-time throughput @batched / DataLoader (caching): ${(cpuOf('DataLoader load()') / cpuOf('@batched')).toFixed(2)}x`,
);
check(
  '@batched throughput vs DataLoader load(), cache: false (100 000 calls, one tick, CPU time)',
  cpuOf('DataLoader load(), cache: false') / cpuOf('@batched'),
  '>=',
  1.2,
  'x',
);
