/**
 * `RedisLock` on the user's own ioredis client: a Redis Cluster (six private nodes) and a
 * Sentinel set (master, replica, three sentinels), both started and stopped here. Two locks
 * with separate clients exclude each other on keys of every slot; when the master serving a
 * lock's key is killed, `acquire` never takes longer than its bound (it fails open meanwhile)
 * and the lock excludes again once the replica took over.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';
import { RedisLock } from '../../src/redis/index.js';
import { PrivateCluster } from '../helpers/private-cluster.js';
import { PrivateSentinel, SENTINEL_MASTER } from '../helpers/private-sentinel.js';
import { describePrivateRedis } from '../helpers/redis-server.js';
import { sleepMs } from '../helpers/time.js';

describe('new RedisLock({ client })', () => {
  it('takes a client or a url, not both, and checks the client', () => {
    const client = {
      status: 'ready',
      set: async () => 'OK',
      eval: async () => 1,
      publish: async () => 0,
      spublish: async () => 0,
      duplicate() {},
      on() {},
      off() {},
    };
    expect(() => new RedisLock({ url: 'redis://127.0.0.1:6379', client })).toThrow(
      'new RedisLock(): takes `url` or `client`, not both',
    );
    expect(() => new RedisLock({ client: {} as never })).toThrow(
      'new RedisLock(): `client` must be an ioredis client (a `Redis`, with or without Sentinel, or a `Cluster`), got {}',
    );
  });
});

/** Two locks on two clients exclude each other on `keys`, and hand the lock over on release. */
async function expectExclusion(a: RedisLock, b: RedisLock, keys: string[]): Promise<void> {
  for (const key of keys) {
    const release = await a.acquire(key, 5_000);
    expect(release).not.toBeNull();
    expect(await b.acquire(key, 5_000)).toBeNull();
    await release!();
    const again = await b.acquire(key, 5_000);
    expect(again).not.toBeNull();
    await again!();
  }
}

/**
 * Acquires `key` every 20 ms on `lock` while `disturb()` runs; resolves the longest acquire (ms).
 */
async function acquireThrough(lock: RedisLock, key: string, disturb: () => Promise<void>) {
  let longest = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      const release = await lock.acquire(key, 1_000);
      longest = Math.max(longest, performance.now() - t0);
      await release?.();
      await sleepMs(20);
    }
  })();
  await disturb();
  running = false;
  await loop;
  return longest;
}

describePrivateRedis('RedisLock on a Redis Cluster', () => {
  let cluster: PrivateCluster;
  const clients: Cluster[] = [];
  const locks: RedisLock[] = [];
  beforeAll(async () => {
    cluster = await PrivateCluster.start();
    for (let i = 0; i < 2; i++) {
      const client = new Cluster(cluster.startupNodes);
      client.on('error', () => {});
      clients.push(client);
      locks.push(new RedisLock({ client, acquireTimeout: 300, onError: () => {} }));
    }
    await Promise.all(locks.map((l) => l.ready(10_000)));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(locks.map((l) => l.close()));
    for (const c of clients) c.disconnect();
    await cluster?.stop();
  });

  it('excludes across clients on keys of every master', async () => {
    await expectExclusion(locks[0]!, locks[1]!, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  });

  it('never hangs while the master of a key fails over, and excludes again after', async () => {
    const key = 'failover';
    const master = await cluster.masterOf(key);
    const longest = await acquireThrough(locks[0]!, key, async () => {
      await sleepMs(200);
      await cluster.kill(master);
      await cluster.waitHealthy(20_000);
    });
    // Bounded by acquireTimeout (300 ms) plus scheduling on a loaded machine.
    expect(longest).toBeLessThan(2_000);
    await expectExclusion(locks[0]!, locks[1]!, [key]);
  }, 60_000);
});

describePrivateRedis('RedisLock behind Redis Sentinel', () => {
  let sentinel: PrivateSentinel;
  const clients: Redis[] = [];
  const locks: RedisLock[] = [];
  beforeAll(async () => {
    sentinel = await PrivateSentinel.start();
    for (let i = 0; i < 2; i++) {
      const client = new Redis({ sentinels: sentinel.sentinels, name: SENTINEL_MASTER });
      client.on('error', () => {});
      clients.push(client);
      locks.push(new RedisLock({ client, acquireTimeout: 300, onError: () => {} }));
    }
    await Promise.all(locks.map((l) => l.ready(10_000)));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(locks.map((l) => l.close()));
    for (const c of clients) c.disconnect();
    await sentinel?.stop();
  });

  it('never hangs while the master fails over, and excludes again after', async () => {
    await expectExclusion(locks[0]!, locks[1]!, ['a', 'b']);
    const longest = await acquireThrough(locks[0]!, 'failover', async () => {
      await sleepMs(200);
      await sentinel.failover();
    });
    expect(longest).toBeLessThan(2_000);
    // The clients follow the sentinels to the promoted replica.
    const deadline = Date.now() + 10_000;
    while (!clients.every((c) => c.status === 'ready') && Date.now() < deadline) await sleepMs(50);
    await expectExclusion(locks[0]!, locks[1]!, ['failover']);
  }, 60_000);
});
