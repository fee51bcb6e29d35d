/**
 * Memory target: 1 000 000 distinct keys through `@cached({ max: 10_000 })` grow the heap by
 * less than 50 MB (the memory tier stays bounded; nothing else keeps per-key state).
 */
import { cached } from '../src/index.js';
import { check, heapGrowth } from './harness.js';

class Lookup {
  @cached({ max: 10_000 })
  async find(id: number): Promise<{ id: number; label: string }> {
    return { id, label: `item ${id}` };
  }
}

class SyncLookup {
  @cached({ max: 10_000, ttl: '10m' })
  find(id: string): { id: string } {
    return { id };
  }
}

const N = 1_000_000;

const asyncGrowth = await heapGrowth(
  '@cached({ max: 10_000 }) async, 1 000 000 distinct keys',
  async () => {
    const svc = new Lookup();
    // Batches of 1 000 concurrent misses: realistic load, bounded in-flight work.
    for (let i = 0; i < N; i += 1_000) {
      const batch: Promise<unknown>[] = [];
      for (let j = i; j < i + 1_000; j++) batch.push(svc.find(j));
      await Promise.all(batch);
    }
    return svc;
  },
);
check(
  'heap growth, 1M distinct keys, async method',
  asyncGrowth.growthBytes / 2 ** 20,
  '<',
  50,
  'MB',
);

const syncGrowth = await heapGrowth(
  "@cached({ max: 10_000, ttl: '10m' }) sync, 1 000 000 distinct string keys",
  () => {
    const svc = new SyncLookup();
    for (let i = 0; i < N; i++) svc.find(`key-${i}`);
    return svc;
  },
);
check(
  'heap growth, 1M distinct keys, sync method',
  syncGrowth.growthBytes / 2 ** 20,
  '<',
  50,
  'MB',
);
