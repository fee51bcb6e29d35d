/**
 * Four real processes (test/redis/fixtures/scale-out-worker.ts) on a Redis Cluster (six private
 * nodes, three masters and their replicas, started and stopped here): `@cached` with tags on a
 * `redisStore`, a `RedisBus` (sharded pub/sub) and an `engine: 'redis'` limit, all on the
 * cluster. They share cached values and invalidate by tag across processes; then the master
 * serving the bus's channel, the limit's keys and about a third of the cached keys is killed
 * under load: no call fails (store reads become misses, each bounded by `storeTimeout`), the
 * shared limit is never exceeded, and once its replica is promoted every process resyncs and
 * sees the next invalidation.
 */
import { PrivateCluster } from '../helpers/private-cluster.js';
import { describeScaleOut } from '../helpers/scale-out-suite.js';

const CHANNEL = 'hotpath-test:scale-out';

let cluster: PrivateCluster | undefined;
/** The master to kill: it serves the channel's slot (and so the bus's subscriptions). */
let victim = 0;

describeScaleOut('four processes on a Redis Cluster', {
  async start() {
    cluster = await PrivateCluster.start();
    victim = await cluster.masterOf(CHANNEL);
    // A limit whose keys (`hotpath:rl:{<key>}:*`, one slot) the same master serves.
    let limitKey = '';
    for (let i = 0; !limitKey; i++) {
      if ((await cluster.masterOf(`{scale-out-${i}}`)) === victim) limitKey = `scale-out-${i}`;
    }
    return {
      target: { ports: cluster.ports },
      // A decision waits out the failover (a few seconds) rather than failing.
      redisTimeout: 10_000,
      limitKey,
      channel: CHANNEL,
    };
  },
  async failover() {
    const before = await cluster!.masters();
    await cluster!.kill(victim);
    await cluster!.waitHealthy(30_000);
    const promoted = (await cluster!.masters()).filter((m) => !before.includes(m));
    return `master ${victim} killed, replica ${promoted.join()} promoted`;
  },
  async stop() {
    await cluster?.stop();
  },
});
