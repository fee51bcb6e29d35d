import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import Keyv from 'keyv';
import { provideDirectGet } from '../../src/cached/direct-get.js';
import { bindHotpath, cached, createHotpath } from '../../src/index.js';
import { redisStore } from '../../src/redis/index.js';
import { PrivateRedis } from '../helpers/private-redis.js';

let computed = 0;

class Users {
  @cached({ store: 'shared', ttl: '1m', max: 1 })
  async get(id: number): Promise<{ id: number; at: Date }> {
    computed++;
    return { id, at: new Date(Date.UTC(2026, 0, id)) };
  }
}

describe("a shared tier's direct read", () => {
  it('reads through the direct get of a store that has one', async () => {
    const keyv = new Keyv();
    const read: string[] = [];
    provideDirectGet(keyv, (key) => {
      read.push(key);
      return keyv.get(key);
    });
    const registry = createHotpath({ stores: { shared: keyv } });
    const users = bindHotpath(new Users(), registry);
    computed = 0;
    await users.get(1);
    await users.get(2);
    // Memory holds one entry: this one comes from the store, through its direct read.
    expect(await users.get(1)).toEqual({ id: 1, at: new Date(Date.UTC(2026, 0, 1)) });
    expect(computed).toBe(2);
    expect(read).toContain('hotpath:Users.get#1');
    await registry.shutdown();
  });

  describe('of redisStore()', () => {
    let redis: PrivateRedis;
    let raw: Redis;
    beforeAll(async () => {
      redis = await PrivateRedis.start();
      raw = new Redis(redis.url);
    }, 15_000);
    afterAll(async () => {
      raw.disconnect();
      await redis.kill();
    });

    it('answers what keyv.get answers: the stored entry, and a miss for an old envelope', async () => {
      const writer = createHotpath({
        stores: { shared: redisStore(redis.url, { namespace: 'direct' }) },
      });
      const reader = createHotpath({
        stores: { shared: redisStore(redis.url, { namespace: 'direct' }) },
      });
      const errors: string[] = [];
      reader.on('error', (error) => errors.push(error.message));
      try {
        computed = 0;
        await bindHotpath(new Users(), writer).get(7);
        const users = bindHotpath(new Users(), reader);
        expect(await users.get(7)).toEqual({ id: 7, at: new Date(Date.UTC(2026, 0, 7)) });
        expect(computed).toBe(1);
        // What an older version wrote (keyv's JSON envelope) is a miss, never a value.
        await raw.set(
          'direct::hotpath:Users.get#8',
          JSON.stringify({ value: '[{"id":8,"at":"x"},1,2,3]', expires: null }),
        );
        expect(await users.get(8)).toEqual({ id: 8, at: new Date(Date.UTC(2026, 0, 8)) });
        expect(computed).toBe(2);
        // Read as keyv.get reads it: nothing undecodable to report.
        expect(errors).toEqual([]);
      } finally {
        await writer.shutdown();
        await reader.shutdown();
      }
    }, 15_000);
  });
});
