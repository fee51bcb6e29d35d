/**
 * Four real processes (test/redis/fixtures/scale-out-worker.ts) behind Redis Sentinel (a
 * private master, replica and three sentinels, started and stopped here): `@cached` with tags
 * on a `redisStore`, a `RedisBus` and an `engine: 'redis'` limit, all through the sentinels.
 * They share cached values and invalidate by tag across processes; then the master is killed
 * under load: no call fails (store reads become misses, each bounded by `storeTimeout`), the
 * shared limit is never exceeded, and once the replica is promoted every process resyncs and
 * sees the next invalidation.
 */
import { PrivateSentinel, SENTINEL_MASTER } from '../helpers/private-sentinel.js';
import { describeScaleOut } from '../helpers/scale-out-suite.js';

let sentinel: PrivateSentinel | undefined;

describeScaleOut('four processes behind Redis Sentinel', {
  async start() {
    sentinel = await PrivateSentinel.start();
    return {
      target: { sentinels: sentinel.sentinelPorts, name: SENTINEL_MASTER },
      // A decision waits out the failover (a few seconds) rather than failing.
      redisTimeout: 15_000,
      limitKey: 'scale-out',
      channel: 'hotpath-test:scale-out',
    };
  },
  async failover() {
    const killed = await sentinel!.masterPort();
    const promoted = await sentinel!.failover();
    return `master ${killed} killed, replica ${promoted} promoted`;
  },
  async stop() {
    await sentinel?.stop();
  },
});
