/**
 * Four real processes (test/redis/fixtures/worker.ts) sharing one Redis through @cached, a
 * RedisBus and a RedisLock: shared values, cross-process tag invalidation, distributed single
 * flight.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { describeRedis } from '../helpers/services.js';
import { startWorkers, stopWorkers, type Worker } from '../helpers/redis-workers.js';
import { sleepMs } from '../helpers/time.js';

const run = `hotpath-test:procs:${process.pid}:${Date.now()}`;
const METHOD_MS = 200;

type Runs = Record<string, Record<string, number>>;

async function totalRuns(workers: readonly Worker[], method: string, key: string): Promise<number> {
  const all = await Promise.all(workers.map((w) => w.request<Runs>('runs')));
  return all.reduce((sum, runs) => sum + (runs[method]![key] ?? 0), 0);
}

describeRedis('four processes on one Redis', (url) => {
  let workers: Worker[] = [];

  beforeAll(async () => {
    workers = await startWorkers(4, {
      HOTPATH_REDIS_URL: url,
      HOTPATH_RUN: run,
      HOTPATH_METHOD_MS: String(METHOD_MS),
    });
  }, 60_000);

  afterAll(async () => {
    const clean = await stopWorkers(workers);
    const raw = new Redis(url);
    const keys = await raw.keys(`${run}*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
    // Every child closed its clients and ended by itself.
    expect(clean).toEqual([true, true, true, true]);
  }, 30_000);

  it('share cached values: one computes, the other three read it from Redis', async () => {
    await workers[0]!.request('setVersion', { key: 'p1', version: 1 });
    // The tag was used before: the first value under a tag Redis has no mark for is not shared.
    await workers[0]!.request('invalidate', { tags: ['product:p1'] });
    const first = await workers[0]!.request<{
      values: { version: number; by: number; at: Date }[];
    }>('call', {
      method: 'product',
      key: 'p1',
    });
    // The write to Redis is not awaited by the caller: give it a moment to land.
    await sleepMs(50);
    const others = await Promise.all(
      workers.slice(1).map((w) =>
        w.request<{ values: { version: number; by: number; at: string }[] }>('call', {
          method: 'product',
          key: 'p1',
        }),
      ),
    );
    expect(first.values[0]).toMatchObject({ version: 1, by: 0 });
    for (const o of others) expect(o.values[0]).toEqual(first.values[0]);
    expect(await totalRuns(workers, 'product', 'p1')).toBe(1);
  }, 20_000);

  it('drop a tag invalidated in one process from all of them within 200 ms', async () => {
    await workers[0]!.request('setVersion', { key: 'p2', version: 1 });
    await Promise.all(workers.map((w) => w.request('call', { method: 'product', key: 'p2' })));
    const runsBefore = await totalRuns(workers, 'product', 'p2');

    // The "database" changes; process 0 invalidates the tag, as an @invalidates method would.
    await workers[0]!.request('setVersion', { key: 'p2', version: 2 });
    const probes = workers.slice(1).map((w) =>
      w.request<{ seenAt?: number; calls: number }>('probe', {
        key: 'p2',
        version: 2,
        timeoutMs: 3_000,
      }),
    );
    // The probes are running (they see version 1 from their memory tier until the message lands).
    await sleepMs(50);
    const { startedAt } = await workers[0]!.request<{ startedAt: number }>('invalidate', {
      tags: ['product:p2'],
    });
    const seen = await Promise.all(probes);
    const latencies = seen.map((s) => (s.seenAt === undefined ? Infinity : s.seenAt - startedAt));
    // Reported by the suite so the figure is visible in the run's output.
    console.log(`tag invalidation seen by the other processes after ${latencies.join(', ')} ms`);
    for (const s of seen) expect(s.calls).toBeGreaterThan(1);
    for (const l of latencies) expect(l).toBeLessThan(200);
    // Recomputed once for everyone (or at most once per process), not per call.
    const recomputed = (await totalRuns(workers, 'product', 'p2')) - runsBefore;
    expect(recomputed).toBeGreaterThanOrEqual(1);
    expect(recomputed).toBeLessThanOrEqual(4);
  }, 20_000);

  it('run the method once for 4 x 50 concurrent misses with the distributed lock', async () => {
    // The method was used before (its namespace has its mark in Redis). Right after Redis lost
    // its marks (first use, FLUSHALL), each process stamps the missing mark with its own time,
    // and a value computed between two of those stamps is recomputed once.
    await workers[0]!.request('call', { method: 'report', key: 'r0' });
    const at = Date.now() + 300;
    const replies = await Promise.all(
      workers.map((w) =>
        w.request<{ values: { id: string }[] }>('callAt', {
          at,
          method: 'report',
          key: 'r1',
          count: 50,
        }),
      ),
    );
    for (const r of replies) {
      expect(r.values).toHaveLength(50);
      for (const v of r.values) expect(v.id).toBe('r1');
    }
    const total = await totalRuns(workers, 'report', 'r1');
    console.log(
      `with the distributed lock, 4 x 50 concurrent misses ran the method ${total} time(s)`,
    );
    expect(total).toBe(1);
  }, 20_000);

  it('run it at most once per process (4) for 4 x 50 concurrent misses without the lock', async () => {
    const at = Date.now() + 300;
    await Promise.all(
      workers.map((w) =>
        w.request('callAt', { at, method: 'unlockedReport', key: 'u1', count: 50 }),
      ),
    );
    const total = await totalRuns(workers, 'unlockedReport', 'u1');
    console.log(`without the lock, 4 x 50 concurrent misses ran the method ${total} time(s)`);
    expect(total).toBeGreaterThanOrEqual(1);
    expect(total).toBeLessThanOrEqual(4);
  }, 20_000);
});
