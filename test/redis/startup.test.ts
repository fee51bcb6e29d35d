/**
 * Redis down when the application starts (a store must never hang or crash a caller): calls
 * neither hang nor fail, and the store, bus and lock pick Redis up by themselves once it
 * appears.
 */
import { afterAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { bindHotpath, cached, createHotpath, withBreaker } from '../../src/index.js';
import { RedisBus, RedisLock, redisStore } from '../../src/redis/index.js';
import { PrivateRedis, describePrivateRedis } from '../helpers/redis-server.js';
import { sleepMs } from '../helpers/time.js';

const run = `hotpath-test:startup:${process.pid}:${Date.now()}`;

class Rates {
  runs = 0;

  @cached({ store: 'redis', ttl: '1m', distributedLock: true })
  async rate(currency: string): Promise<number> {
    this.runs++;
    await sleepMs(10);
    return currency.length;
  }
}

describePrivateRedis('an application started while Redis is down', () => {
  let server: PrivateRedis | undefined;
  afterAll(async () => {
    await server?.kill();
  });

  it('answers every call from the method, then caches through Redis once it is up', async () => {
    server = await PrivateRedis.reserve();
    const onError = (): void => {};
    const bus = new RedisBus({ url: server.url, channel: `${run}:bus`, onError });
    const registry = createHotpath({
      // The breaker skips a failing store for 10 s by default; 500 ms keeps the test short.
      stores: {
        redis: withBreaker(redisStore(server.url, { namespace: run }), { cooldown: '500ms' }),
      },
      bus,
      lock: new RedisLock({ url: server.url, onError }),
    });
    const errors: string[] = [];
    registry.on('error', (e) => void errors.push(e.message));
    const rates = bindHotpath(new Rates(), registry);

    const times: number[] = [];
    for (const currency of ['EUR', 'USD', 'GBP', 'JPY', 'CHF']) {
      const t = Date.now();
      expect(await rates.rate(currency)).toBe(3);
      times.push(Date.now() - t);
    }
    expect(rates.runs).toBe(5);
    // Each call: at most storeTimeout (250 ms) waiting for Redis, plus the method's 10 ms.
    expect(Math.max(...times)).toBeLessThan(260 + 50);
    expect(errors.some((e) => e.includes("store 'redis'"))).toBe(true);

    await server.start();
    const raw = new Redis(server.url);
    try {
      expect(await bus.ready(5_000)).toBe(true);
      let cachedInRedis = false;
      for (let i = 0; i < 100 && !cachedInRedis; i++) {
        await rates.rate(`N${i}`);
        await sleepMs(20);
        cachedInRedis = (await raw.keys(`${run}::*N${i}*`)).length === 1;
      }
      expect(cachedInRedis).toBe(true);
    } finally {
      await registry.shutdown();
      await raw.quit();
    }
  }, 30_000);
});
