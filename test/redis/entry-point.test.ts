/**
 * `hotpath` never loads a Redis client, and loads Bottleneck only when a Bottleneck engine is
 * built; `hotpath/redis` loads each client only when it is used: `redisStore()` node-redis
 * (through @keyv/redis), `RedisBus`/`RedisLock` ioredis. Checked in a fresh Node process (Jest's
 * module registry would hide what Node itself loads).
 */
import { describe, expect, it } from '@jest/globals';
import { modulesLoadedBy } from '../helpers/modules-loaded.js';

const REDIS_CLIENTS = [
  '/node_modules/ioredis/',
  '/node_modules/@keyv/redis/',
  '/node_modules/@redis/client/',
];

const redisClientsIn = (modules: string[]): string[] =>
  REDIS_CLIENTS.filter((client) => modules.some((m) => m.includes(client)));

const loadsBottleneck = (modules: string[]): boolean =>
  modules.some((m) => m.includes('/node_modules/bottleneck/'));

/** Imports hotpath and awaits one call through a rate limit built with `options`. */
const rateLimitedCall = (
  options: string,
): string => `const { rateLimit } = await import('./src/index.ts');
const twice = rateLimit(${options})(async (n) => n * 2);
if ((await twice(21)) !== 42) throw new Error('wrong result');`;

describe('entry points', () => {
  it('hotpath loads no Redis client, and no Bottleneck with the local engine', () => {
    const modules = modulesLoadedBy(rateLimitedCall('{ limit: 5, interval: 1000 }'));
    // The whole graph is seen: the cache decorator and the local engine are in it.
    expect(modules.some((m) => m.includes('/src/cached/'))).toBe(true);
    expect(modules.some((m) => m.includes('/src/rate-limit/local-engine.ts'))).toBe(true);
    expect(loadsBottleneck(modules)).toBe(false);
    expect(redisClientsIn(modules)).toEqual([]);
  }, 30_000);

  it("hotpath loads Bottleneck when an engine: 'bottleneck' limit is first built", () => {
    // Also shows that a dependency loaded through require is seen (the case above would pass
    // without it otherwise).
    const modules = modulesLoadedBy(
      rateLimitedCall("{ limit: 5, interval: 1000, engine: 'bottleneck' }"),
    );
    expect(loadsBottleneck(modules)).toBe(true);
    expect(redisClientsIn(modules)).toEqual([]);
  }, 30_000);

  it('hotpath/redis loads none either until one is used', () => {
    const modules = modulesLoadedBy(`await import('./src/redis/index.ts');`);
    expect(modules.some((m) => m.includes('/src/redis/redis-store.ts'))).toBe(true);
    expect(redisClientsIn(modules)).toEqual([]);
  }, 30_000);

  it('redisStore() loads @keyv/redis and node-redis; RedisLock and RedisBus ioredis', () => {
    const url = 'redis://127.0.0.1:1';
    const store = modulesLoadedBy(`const { redisStore } = await import('./src/redis/index.ts');
await redisStore('${url}').disconnect();`);
    expect(redisClientsIn(store)).toEqual([
      '/node_modules/@keyv/redis/',
      '/node_modules/@redis/client/',
    ]);
    const lock = modulesLoadedBy(`const { RedisLock } = await import('./src/redis/index.ts');
await new RedisLock({ url: '${url}', onError: () => {} }).close();`);
    expect(redisClientsIn(lock)).toEqual(['/node_modules/ioredis/']);
  }, 30_000);
});
