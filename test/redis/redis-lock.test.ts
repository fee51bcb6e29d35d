import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createHotpath } from '../../src/index.js';
import { RedisLock } from '../../src/redis/index.js';
import { describeRedis } from '../helpers/services.js';
import { describePrivateRedis, freePort, usePrivateRedis } from '../helpers/redis-server.js';
import { sleepMs } from '../helpers/time.js';

const run = `hotpath-test:lock:${process.pid}:${Date.now()}:`;

describe('RedisLock options', () => {
  it('needs a redis:// URL and checks its options word for word', () => {
    expect(() => new RedisLock({ url: 'tcp://x' })).toThrow(
      new TypeError(
        "new RedisLock(): `url` must be a redis:// or rediss:// URL string, got 'tcp://x'",
      ),
    );
    expect(() => new RedisLock({ url: 'redis://127.0.0.1:1', acquireTimeout: '1 week' })).toThrow(
      new TypeError(
        "new RedisLock(): `acquireTimeout` must be a positive duration (milliseconds or a string like '5m') of at most 2147483647 ms (24.8 days), got '1 week'",
      ),
    );
    const u = 'redis://127.0.0.1:1';
    expect(() => new RedisLock(u as never)).toThrow(
      new TypeError(
        "new RedisLock(): options must be an object, got 'redis://127.0.0.1:1' (did you mean `new RedisLock({ url: 'redis://127.0.0.1:1' })`?)",
      ),
    );
    expect(() => new RedisLock(undefined as never)).toThrow(
      new TypeError('new RedisLock(): options with a `url` are required'),
    );
    expect(() => new RedisLock({ uri: u } as never)).toThrow(
      new TypeError('new RedisLock(): unknown option `uri` (did you mean `url`?)'),
    );
    expect(() => new RedisLock({ url: u, keyPrefix: 'shop:' } as never)).toThrow(
      new TypeError('new RedisLock(): unknown option `keyPrefix` (did you mean `prefix`?)'),
    );
    // An empty prefix is allowed (it is the default), so the message asks for a string.
    expect(() => new RedisLock({ url: u, prefix: 5 as never })).toThrow(
      new TypeError('new RedisLock(): `prefix` must be a string, got 5'),
    );
  });
});

describeRedis('RedisLock', (url) => {
  let raw: Redis;
  const locks: RedisLock[] = [];
  const lock = (): RedisLock => {
    const l = new RedisLock({ url, prefix: run });
    locks.push(l);
    return l;
  };
  beforeAll(() => {
    raw = new Redis(url);
  });
  afterAll(async () => {
    await Promise.all(locks.map((l) => l.close()));
    const keys = await raw.keys(`${run}*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
  });

  it('grants one of many concurrent acquirers and refuses the rest', async () => {
    const [a, b] = [lock(), lock()];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).acquire('k1', 5_000)),
    );
    expect(answers.filter((x) => typeof x === 'function')).toHaveLength(1);
    expect(answers.filter((x) => x === null)).toHaveLength(19);
    const pttl = await raw.pttl(`${run}k1`);
    expect(pttl).toBeGreaterThan(4_000);
    await answers.find((x) => typeof x === 'function')!();
    expect(await raw.exists(`${run}k1`)).toBe(0);
    expect(typeof (await a.acquire('k1', 5_000))).toBe('function');
  }, 10_000);

  it('never releases a lock that expired and was taken by someone else', async () => {
    const [a, b] = [lock(), lock()];
    const releaseA = await a.acquire('k2', 30);
    expect(typeof releaseA).toBe('function');
    await sleepMs(60);
    const releaseB = await b.acquire('k2', 5_000);
    expect(typeof releaseB).toBe('function');
    await releaseA!();
    expect(await raw.exists(`${run}k2`)).toBe(1);
    await releaseB!();
    expect(await raw.exists(`${run}k2`)).toBe(0);
  }, 10_000);

  it('is closed by registry.shutdown()', async () => {
    const l = new RedisLock({ url, prefix: run });
    const registry = createHotpath({ lock: l });
    expect(await l.ready()).toBe(true);
    await registry.shutdown();
    const release = await l.acquire('k3', 1_000);
    expect(l.stats().failedOpen).toBe(1);
    await release!();
    expect(await raw.exists(`${run}k3`)).toBe(0);
  }, 10_000);
});

describe('RedisLock without Redis', () => {
  it('answers a no-op release at once, so the caller computes', async () => {
    const errors: string[] = [];
    const l = new RedisLock({
      url: `redis://127.0.0.1:${await freePort()}`,
      onError: (e) => errors.push(e.message),
    });
    try {
      const first = await l.acquire('k', 1_000);
      expect(typeof first).toBe('function');
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t = Date.now();
        expect(typeof (await l.acquire('k', 1_000))).toBe('function');
        times.push(Date.now() - t);
      }
      expect(Math.max(...times)).toBeLessThan(20);
      expect(l.stats()).toEqual({ acquired: 0, contended: 0, failedOpen: 11 });
      expect(errors.filter((e) => e.startsWith('cannot connect to Redis'))).toHaveLength(1);
    } finally {
      await l.close();
    }
  }, 10_000);
});

describePrivateRedis('RedisLock against a slow Redis', () => {
  const privateRedis = usePrivateRedis();

  it('gives up after acquireTimeout and hands back a lock that lands late', async () => {
    const l = new RedisLock({ url: privateRedis().url, acquireTimeout: 50, onError: () => {} });
    const raw = new Redis(privateRedis().url);
    try {
      await l.ready();
      privateRedis().pause();
      const t = Date.now();
      const release = await l.acquire('late', 10_000);
      expect(Date.now() - t).toBeLessThan(150);
      expect(typeof release).toBe('function');
      expect(l.stats().failedOpen).toBe(1);
      privateRedis().resume();
      // The SET ran once Redis woke up; the lock released it right away.
      const gone = await (async () => {
        for (let i = 0; i < 50; i++) {
          if ((await raw.exists('late')) === 0) return true;
          await sleepMs(10);
        }
        return false;
      })();
      expect(gone).toBe(true);
    } finally {
      await Promise.all([l.close(), raw.quit()]);
    }
  }, 10_000);

  it('fails open, without rejecting, when Redis answers the SET with an error', async () => {
    const errors: string[] = [];
    const l = new RedisLock({ url: privateRedis().url, onError: (e) => errors.push(e.message) });
    const raw = new Redis(privateRedis().url);
    try {
      await l.ready();
      // Every write is refused with an OOM error from now on (this server is ours alone).
      await raw.config('SET', 'maxmemory', '1');
      const release = await l.acquire('refused', 1_000);
      expect(typeof release).toBe('function');
      expect(l.stats()).toEqual({ acquired: 0, contended: 0, failedOpen: 1 });
      expect(errors).toEqual([
        "acquiring lock 'refused' failed (OOM command not allowed when used memory > 'maxmemory'.); computing without it",
      ]);
    } finally {
      await raw.config('SET', 'maxmemory', '0');
      await Promise.all([l.close(), raw.quit()]);
    }
  }, 10_000);
});
