/**
 * SPEC §12: `@batched`, 100 000 single-item calls in one tick, throughput >= DataLoader's
 * `load()` on the same work (an identity batch function, every caller awaited through
 * `Promise.all`). Figures are per 100 000-call round; the table also shows ns per call.
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

class RepoNoDedupe {
  @batched({ dedupe: false })
  async load(ids: number[]): Promise<number[]> {
    return ids;
  }
}

const repo = new Repo();
const repoNoDedupe = new RepoNoDedupe();
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
  ],
  { minTimeMs: 2_000, rounds: 3 },
);
for (const row of r.rows) {
  console.log(`${row.name}: ${(row.medianNs / N).toFixed(0)} ns per call`);
}
const dl = r.get('DataLoader load()').medianNs;
const ours = r.get('@batched').medianNs;
console.log(`throughput @batched / DataLoader: ${(dl / ours).toFixed(2)}x`);
check(
  '@batched throughput vs DataLoader load() (100 000 calls, one tick)',
  dl / ours,
  '>=',
  1,
  'x',
);
