/**
 * The scale-out suite, the same on a Redis Cluster and behind Sentinel: four worker processes
 * (`scale-out-run.ts`) share cached values and invalidate by tag across processes; then a
 * master is killed under load: no call fails, the shared limit is never exceeded, and once a
 * replica is promoted every process resyncs and sees the next invalidation. Each file that calls
 * {@link describeScaleOut} starts its own servers (one set per file).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RedisTarget } from './redis-engine-run.js';
import { eventually } from './eventually.js';
import { MODE } from './mode.js';
import { describePrivateRedis } from './redis-server.js';
import {
  loadFigures,
  ScaleOutRun,
  type InvalidationOutcome,
  type ScaleOutSettings,
} from './scale-out-run.js';
import { sleepMs } from './time.js';

/** The servers a suite runs on. */
export interface ScaleOutBackend {
  /**
   * Starts the servers; resolves where the workers connect, the bus's channel, the limit's name
   * in Redis, and how long a limit decision may wait (it must outlast the failover).
   */
  start(): Promise<{
    target: RedisTarget;
    channel: string;
    limitKey: string;
    redisTimeout: number;
  }>;
  /**
   * Kills a master and resolves once a replica was promoted and serves, with a description of
   * the fault for the suite's output.
   */
  failover(): Promise<string>;
  stop(): Promise<void>;
}

/** `storeTimeout` of every `@cached` call; every store wait of a call is cut at it. */
const STORE_TIMEOUT = 250;

/**
 * Slack on top of `storeTimeout` and the worst hold-up of a process's event loop before a call
 * counts as having waited for the failover: every store wait is cut at `storeTimeout`, and a
 * call that waited for the promotion instead would take the promotion's seconds.
 */
const SLACK_MS = 1_000;

/** Every process read the new version, and only it, once the invalidation reached it. */
function expectInvalidated(outcome: InvalidationOutcome): void {
  expect(outcome.failed).toEqual([]);
  // Every other process got the message.
  expect(outcome.freshFrom.every((t) => t !== undefined)).toBe(true);
  expect(outcome.stale).toEqual([]);
  // Each held the old version until then, and read the new one after.
  for (const n of outcome.heldReads) expect(n).toBeGreaterThan(0);
  for (const n of outcome.freshReads) expect(n).toBeGreaterThan(0);
}

/**
 * The suite `name` on `backend`'s servers. It runs once, in the tc39 project: six or five Redis
 * servers and four busy processes for about a minute. The decorator mode only changes how the
 * children apply `@cached` and `@rateLimit`, which many-processes.test.ts and the
 * redis-engine-*.test.ts suites cover in both modes; what this suite checks (the store, the bus
 * and the limit through a failover) is the same in both.
 */
export function describeScaleOut(name: string, backend: ScaleOutBackend): void {
  if (MODE === 'legacy') {
    describe.skip(`[skipped in legacy: runs once, in the tc39 project] ${name}`, () => {
      it.skip('runs in the tc39 project', () => {});
    });
    return;
  }
  describePrivateRedis(name, () => {
    let run: ScaleOutRun;
    let settings: ScaleOutSettings;

    beforeAll(async () => {
      const { target, ...where } = await backend.start();
      settings = {
        ...where,
        storeTimeout: STORE_TIMEOUT,
        // Four processes offer 32 calls a second (one every 125 ms each): the limit binds.
        limit: 10,
        interval: 250,
        // 10 s by default: how long after the promotion caching through Redis may take to
        // resume; shorter here to keep the suite short.
        breakerCooldown: 2_000,
      };
      run = await ScaleOutRun.start(target, settings);
    }, 120_000);

    afterAll(async () => {
      const clean = await run?.stop();
      await backend.stop();
      // Every child closed its clients and ended by itself.
      expect(clean).toEqual([true, true, true, true]);
    }, 30_000);

    it('share cached values: one process computes, the other three read it from Redis', async () => {
      const { values, computed } = await run.share('p1');
      expect(values[0]).toEqual({ id: 'p1', version: 1, by: 0 });
      for (const v of values) expect(v).toEqual(values[0]);
      expect(computed).toBe(1);
    }, 30_000);

    it('serve no stale read once a tag invalidated in one process has reached each of them', async () => {
      const outcome = await run.invalidate('p2', 0);
      expectInvalidated(outcome);
      // Redis took the mark at once: one message reached each other process.
      expect(outcome.messages).toEqual([0, 1, 1, 1]);
    }, 30_000);

    it('fail no call and never exceed the limit while a master is killed under load; then resync', async () => {
      let killedAt = 0;
      let promotedMs = 0;
      let fault = '';
      // 6 s of load; the master dies 1.5 s in.
      const { reports } = await run.load(6_000, 125, async (startAt) => {
        await sleepMs(startAt + 1_500 - Date.now());
        killedAt = Date.now();
        fault = await backend.failover();
        promotedMs = Date.now() - killedAt;
      });
      const figures = loadFigures(reports, settings.interval);
      // Every process's bus resubscribes to the promoted master and resyncs (drops its memory
      // tier: messages may have been missed meanwhile).
      let resyncedAt: (number | undefined)[] = [];
      const resynced = await eventually(
        async () => {
          const stats = await run.stats();
          resyncedAt = stats.map((s) => s.bus.resyncs.find((t) => t >= killedAt));
          return resyncedAt.every((t) => t !== undefined);
        },
        20_000,
        200,
      );
      // Values are shared through Redis again (each store's circuit breaker closed again)...
      let attempt = 0;
      const resumed = await eventually(
        async () => (await run.share(`p3-${attempt++}`)).computed === 1,
        20_000,
        200,
      );
      const resumedMs = Date.now() - killedAt - promotedMs;
      // ...and an invalidation from another process reaches every process again.
      const after = await run.invalidate('p4', 1);
      const latencies = after.freshFrom.map((t, w) =>
        w === 1
          ? 'self'
          : t === undefined
            ? 'never'
            : `${t - after.startedAt} ms (${after.messages[w]} message(s))`,
      );
      console.log(
        `${name}: ${fault}, promoted in ${promotedMs} ms; ` +
          `${figures.calls} cached calls in 4 processes, ${figures.failures} failed, ` +
          `${figures.computed} recomputed (misses), ${figures.slowCount} over storeTimeout ${STORE_TIMEOUT} ms (slowest ${figures.slowest.join(', ') || '-'} ms; event loops held up at most ${figures.loopDelayMaxMs.join(', ')} ms); ` +
          `${figures.sends} rate-limited starts, ${figures.sendFailed.length} failed, busiest ${settings.interval} ms window ${figures.busiestWindow}/${settings.limit}; ` +
          `buses resynced ${resyncedAt.map((t) => (t === undefined ? 'never' : `${t - killedAt} ms`)).join(', ')} after the kill; ` +
          `values shared through Redis again ${resumedMs} ms after the promotion; ` +
          `the next invalidation reached the processes after ${latencies.join(', ')}`,
      );
      expect(figures.failed).toEqual([]);
      for (const r of reports) {
        expect(r.maxMs).toBeLessThan(STORE_TIMEOUT + r.loopDelayMaxMs + SLACK_MS);
      }
      expect(figures.sendFailed).toEqual([]);
      expect(figures.busiestWindow).toBeLessThanOrEqual(settings.limit);
      expect(resynced).toBe(true);
      expect(resumed).toBe(true);
      expectInvalidated(after);
    }, 120_000);
  });
}
