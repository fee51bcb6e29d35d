/**
 * The native Redis engine behind Redis Sentinel (a private master, replica and three sentinels,
 * started and stopped here): four processes share one limit through an ioredis Sentinel client,
 * and the master is killed while they call. The sentinels promote the replica, the clients
 * reconnect to it, no call fails (each decision waits out the failover within `redisTimeout`),
 * and no window of `interval` of the combined start times holds more than `limit` starts.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { busiestWindow } from '../helpers/busiest-window.js';
import { PrivateSentinel, SENTINEL_MASTER } from '../helpers/private-sentinel.js';
import { runEngineWorkers } from '../helpers/redis-engine-run.js';
import { describePrivateRedis } from '../helpers/redis-server.js';
import { sleepMs } from '../helpers/time.js';

describePrivateRedis("@rateLimit engine: 'redis' behind Redis Sentinel", () => {
  let sentinel: PrivateSentinel;
  beforeAll(async () => {
    sentinel = await PrivateSentinel.start();
  }, 60_000);
  afterAll(async () => {
    await sentinel?.stop();
  });

  it('loses no call and never exceeds the limit when the master fails over', async () => {
    const limit = 4;
    const interval = 300;
    const old = await sentinel.masterPort();
    let promoted = 0;
    let failoverMs = 0;
    const run = await runEngineWorkers({
      target: { sentinels: sentinel.sentinelPorts, name: SENTINEL_MASTER },
      key: 'sentinel',
      limit,
      interval,
      // One call every 100 ms per process for 6 s: calls keep arriving through the failover.
      calls: 60,
      arrival: 100,
      workers: 4,
      redisTimeout: 15_000,
      during: async (startAt) => {
        await sleepMs(startAt + 1_500 - Date.now());
        const killedAt = Date.now();
        promoted = await sentinel.failover();
        failoverMs = Date.now() - killedAt;
      },
    });
    expect(run.failed).toEqual([]);
    for (const s of run.starts) expect(s).toHaveLength(60);
    const starts = run.starts.flat();
    expect(promoted).not.toBe(old);
    expect(busiestWindow(starts, interval)).toBeLessThanOrEqual(limit);
    process.stdout.write(
      `sentinel failover: master ${old} killed, ${promoted} promoted in ${failoverMs} ms; ${starts.length} starts, busiest window ${busiestWindow(starts, interval)}/${limit}\n`,
    );
  }, 120_000);
});
