/**
 * The invalidation soak, short: a write-only writer process commits a new version and
 * invalidates its tag every 250 ms, three reader processes read through
 * `@cached({ store: 'redis', tags, ttl })` with a RedisBus, while a private Redis (append-only
 * file on) is killed and restarted with its data, frozen and flushed. No read may be more than
 * 1.5 s stale outside a fault and the 1.5 s after Redis answers again, no call may fail.
 * `npm run soak` runs the same for 60 s.
 */
import { describe, expect, it } from '@jest/globals';
import { MODE } from '../helpers/mode.js';
import { describePrivateRedis } from '../helpers/redis-server.js';
import { formatVerdict } from '../helpers/soak-checker.js';
import { formatErrors, runSoak } from '../helpers/soak-run.js';

const NAME = 'invalidation soak: 1 writer, 3 readers, Redis killed, frozen and flushed';

// Four busy processes for ~15 s, timing-sensitive on a loaded machine. The decorator mode only
// changes how the children apply @cached (many-processes.test.ts covers both modes); what the
// soak checks is the invalidation path through Redis and the bus, the same in both. So it runs
// once, in the tc39 project, instead of twice side by side.
if (MODE === 'legacy') {
  describe.skip(`[skipped in legacy: runs once, in the tc39 project] ${NAME}`, () => {
    it.skip('runs in the tc39 project', () => {});
  });
} else {
  describePrivateRedis(NAME, () => {
    it('serves no read staler than 1.5 s outside faults, fails no call, catches up after every fault', async () => {
      // 15 s: 2.25 s of steady state, then one fault of each kind, the kill long enough (1.6 s)
      // to open a circuit breaker with its default settings. 12 s fitted all three on an idle
      // machine, but with a slow restart after the kill (4 s from kill to the next fault, seen
      // in CI) the FLUSHALL no longer fitted before the end.
      const result = await runSoak({ durationMs: 15_000 });
      const { verdict } = result;
      console.log(`soak:\n${formatVerdict(verdict)}\n${formatErrors(result)}`);
      expect(verdict.faults.kill).toBeGreaterThanOrEqual(1);
      expect(verdict.faults.freeze).toBeGreaterThanOrEqual(1);
      expect(verdict.faults.flush).toBeGreaterThanOrEqual(1);
      // Enough reads were judged for the verdict to mean something (~1 000 on an idle machine).
      expect(verdict.judged).toBeGreaterThan(300);
      expect(verdict.stale.worst).toEqual([]);
      expect(verdict.failed.examples).toEqual([]);
      expect(verdict.impossible.examples).toEqual([]);
      expect(verdict.convergence.filter((c) => c.ms === undefined)).toEqual([]);
      expect(result.cleanExit).toBe(true);
    }, 90_000);
  });
}
