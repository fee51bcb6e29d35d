/**
 * Chaos: a private Redis (never the shared one) is killed mid-run and restarted while four
 * processes keep calling @cached methods through it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MODE } from '../helpers/mode.js';
import { PrivateRedis, describePrivateRedis } from '../helpers/redis-server.js';
import { startWorkers, stopWorkers, type Worker } from '../helpers/redis-workers.js';
import { sleepMs } from '../helpers/time.js';

const run = `hotpath-test:chaos:${process.pid}:${Date.now()}`;
const METHOD_MS = 20;
const STORE_TIMEOUT = 250;
const COOLDOWN = 1_000;

interface Hammered {
  calls: number;
  failures: number;
  failed: string[];
  maxMs: number;
  slow: number[];
  slowCount: number;
}

type Runs = Record<string, Record<string, number>>;

const NAME = 'four processes while Redis dies and comes back';

// The chaos run is timing-sensitive and takes ~15 s of four busy processes; the decorator mode
// only changes how the children apply @cached (many-processes.test.ts covers both modes), so it
// runs once, in the tc39 project, instead of twice side by side.
if (MODE === 'legacy') {
  describe.skip(`[skipped in legacy: runs once, in the tc39 project] ${NAME}`, () => {
    it.skip('runs in the tc39 project', () => {});
  });
} else {
  chaosSuite();
}

function chaosSuite(): void {
  describePrivateRedis(NAME, () => {
    let server: PrivateRedis;
    let workers: Worker[] = [];

    beforeAll(async () => {
      server = await PrivateRedis.start();
      workers = await startWorkers(4, {
        HOTPATH_REDIS_URL: server.url,
        HOTPATH_RUN: run,
        HOTPATH_METHOD_MS: String(METHOD_MS),
        HOTPATH_STORE_TIMEOUT: String(STORE_TIMEOUT),
        HOTPATH_BREAKER_COOLDOWN: String(COOLDOWN),
        // Short-lived entries: misses, reads and writes keep going to Redis all through the run.
        HOTPATH_PRICE_TTL: '300',
      });
    }, 60_000);

    afterAll(async () => {
      const clean = await stopWorkers(workers);
      await server.kill();
      expect(clean).toEqual([true, true, true, true]);
    }, 30_000);

    /**
     * Hammers `price` in all four processes for 5 s; `interrupt` after 1.5 s, `restore` 1.5 s
     * later. Returns the slowest call and how long after the restore caching through Redis was
     * back (a value computed in one process read by another instead of recomputed).
     */
    async function chaos(
      interrupt: () => Promise<void> | void,
      restore: () => Promise<void> | void,
    ) {
      const hammering = Promise.all(
        workers.map((w) =>
          w.request<Hammered>(
            'hammer',
            { method: 'price', keys: 20, clients: 5, ms: 5_000 },
            20_000,
          ),
        ),
      );
      await sleepMs(1_500);
      await interrupt();
      const downAt = Date.now();
      await sleepMs(1_500);
      await restore();
      const restoredAt = Date.now();

      // While the others keep hammering, watch for caching through Redis to come back by itself.
      let resumedAfter: number | undefined;
      for (let n = 0; n < 100 && resumedAfter === undefined; n++) {
        const key = `resume-${restoredAt}-${n}`;
        await workers[0]!.request('call', { method: 'price', key });
        await sleepMs(25);
        await workers[1]!.request('call', { method: 'price', key });
        const runs = await workers[1]!.request<Runs>('runs');
        if (runs.price![key] === undefined) resumedAfter = Date.now() - restoredAt;
        else await sleepMs(25);
      }
      const results = await hammering;
      const maxMs = Math.max(...results.map((r) => r.maxMs));
      const calls = results.reduce((n, r) => n + r.calls, 0);
      const summary =
        `${calls} calls in 4 processes, Redis away for ${restoredAt - downAt} ms, ` +
        `slowest call ${maxMs.toFixed(1)} ms (storeTimeout + method = ${STORE_TIMEOUT + METHOD_MS} ms), ` +
        `caching through Redis resumed ${resumedAfter} ms after it was back`;
      return { results, maxMs, resumedAfter, summary };
    }

    it('killed and restarted: no call fails or waits past storeTimeout + the method, caching resumes by itself', async () => {
      const { results, maxMs, resumedAfter, summary } = await chaos(
        () => server.kill(),
        () => server.start(),
      );
      console.log(`chaos (kill): ${summary}`);
      for (const r of results) {
        expect(r.failed).toEqual([]);
        expect(r.failures).toBe(0);
        expect(r.slow).toEqual([]);
      }
      expect(maxMs).toBeLessThanOrEqual(STORE_TIMEOUT + METHOD_MS);
      expect(resumedAfter).toBeDefined();
      // Reconnect back-off (<= 1 s) plus the breaker's cooldown (1 s here), with room for a busy machine.
      expect(resumedAfter!).toBeLessThan(4_000);

      const { errors } = await workers[0]!.request<{ errors: string[] }>('stats');
      // The outage was reported on the registry's error event, as E_STORE failures of the tier.
      expect(errors.some((e) => e.includes("store 'redis'"))).toBe(true);
    }, 60_000);

    it('frozen (SIGSTOP) and thawed: no call fails, each is cut at storeTimeout, caching resumes by itself', async () => {
      const { results, maxMs, resumedAfter, summary } = await chaos(
        () => server.pause(),
        () => server.resume(),
      );
      console.log(`chaos (freeze): ${summary}`);
      for (const r of results) {
        expect(r.failed).toEqual([]);
        expect(r.failures).toBe(0);
      }
      // A frozen Redis answers nothing: reads are cut by storeTimeout's timer, which fires a few
      // milliseconds late on a busy machine (4 processes on shared cores): 50 ms allowance.
      expect(maxMs).toBeLessThanOrEqual(STORE_TIMEOUT + METHOD_MS + 50);
      expect(resumedAfter).toBeDefined();
      expect(resumedAfter!).toBeLessThan(4_000);
    }, 60_000);
  });
}
