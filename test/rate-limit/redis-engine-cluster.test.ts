/**
 * The native Redis engine on a real Redis Cluster (six private `redis-server` processes, three
 * masters and their replicas, started and stopped here): four processes share one limit, and
 * the master serving the limit's slot is killed while they call (its replica takes over). No call
 * fails (each decision waits out the failover within `redisTimeout`), and no window of
 * `interval` of the combined start times holds more than `limit` starts.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { busiestWindow } from '../helpers/busiest-window.js';
import { PrivateCluster } from '../helpers/private-cluster.js';
import { runEngineWorkers } from '../helpers/redis-engine-run.js';
import { describePrivateRedis } from '../helpers/redis-server.js';
import { sleepMs } from '../helpers/time.js';

describePrivateRedis("@rateLimit engine: 'redis' on a Redis Cluster", () => {
  let cluster: PrivateCluster;
  beforeAll(async () => {
    cluster = await PrivateCluster.start();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('keeps one limit across four processes on the cluster', async () => {
    const limit = 5;
    const interval = 400;
    const calls = 6;
    const run = await runEngineWorkers({
      target: { ports: cluster.ports },
      key: 'four',
      limit,
      interval,
      calls,
      workers: 4,
    });
    expect(run.failed).toEqual([]);
    for (const s of run.starts) expect(s).toHaveLength(calls);
    const starts = run.starts.flat();
    expect(busiestWindow(starts, interval)).toBeLessThanOrEqual(limit);
    const span = Math.max(...starts) - Math.min(...starts);
    expect(span).toBeGreaterThanOrEqual(((4 * calls - limit) * interval) / limit);
  }, 90_000);

  it('loses no call and never exceeds the limit when the master of its slot is killed', async () => {
    const limit = 4;
    const interval = 300;
    const key = 'failover';
    const master = await cluster.masterOf(`hotpath:rl:{${key}}:starts`);
    let failoverMs = 0;
    const run = await runEngineWorkers({
      target: { ports: cluster.ports },
      key,
      limit,
      interval,
      // One call every 100 ms per process for 6 s: calls keep arriving through the failover.
      calls: 60,
      arrival: 100,
      workers: 4,
      redisTimeout: 10_000,
      during: async (startAt) => {
        await sleepMs(startAt + 1_500 - Date.now());
        const killedAt = Date.now();
        await cluster.kill(master);
        await cluster.waitHealthy(20_000);
        failoverMs = Date.now() - killedAt;
      },
    });
    expect(run.failed).toEqual([]);
    for (const s of run.starts) expect(s).toHaveLength(60);
    const starts = run.starts.flat();
    expect(busiestWindow(starts, interval)).toBeLessThanOrEqual(limit);
    expect(await cluster.masters()).not.toContain(master);
    process.stdout.write(
      `cluster failover: master ${master} killed, replica promoted in ${failoverMs} ms; ${starts.length} starts, busiest window ${busiestWindow(starts, interval)}/${limit}\n`,
    );
  }, 120_000);
});
