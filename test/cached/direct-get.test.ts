import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import Keyv from 'keyv';
import { provideDirectGet } from '../../src/cached/direct-get.js';
import { bindHotpath, cached, createHotpath } from '../../src/index.js';
import { redisStore } from '../../src/redis/index.js';
import { PrivateRedis } from '../helpers/private-redis.js';
import { eventually } from '../helpers/eventually.js';

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

    /**
     * Two registries on one Redis namespace, as two processes: one writes entries, the other
     * reads them; `errors` collects the reader's error events.
     */
    const writerAndReader = (namespace: string) => {
      const writer = createHotpath({ stores: { shared: redisStore(redis.url, { namespace }) } });
      const reader = createHotpath({ stores: { shared: redisStore(redis.url, { namespace }) } });
      const errors: string[] = [];
      reader.on('error', (error) => errors.push(error.message));
      return { writer, reader, errors };
    };

    /** Whether `key` is in Redis, waiting up to a second for a background write. */
    const stored = (key: string): Promise<boolean> =>
      eventually(async () => (await raw.exists(key)) === 1, 1_000);

    it('answers what keyv.get answers: the stored entry, and a miss for an old envelope', async () => {
      const { writer, reader, errors } = writerAndReader('direct');
      try {
        computed = 0;
        await bindHotpath(new Users(), writer).get(7);
        // The writer stores its entry in the background: read once it is there.
        expect(await stored('direct::hotpath:Users.get#7')).toBe(true);
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

    /** How many times Redis ran `command` (INFO commandstats). */
    async function calls(command: string): Promise<number> {
      const stats = await raw.info('commandstats');
      return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    }

    it('sends the reads issued together as one MGET, each answered with its own entry', async () => {
      const { writer, reader, errors } = writerAndReader('batch');
      try {
        const filled = bindHotpath(new Users(), writer);
        for (const id of [1, 2, 3]) await filled.get(id);
        expect(await stored('batch::hotpath:Users.get#3')).toBe(true);
        await raw.set(
          'batch::hotpath:Users.get#4',
          JSON.stringify({ value: '[{"id":4,"at":"x"},1,2,3]', expires: null }),
        );
        const users = bindHotpath(new Users(), reader);
        computed = 0;
        const mgets = await calls('mget');
        // Three stored entries, an old envelope (a miss) and a missing key (a miss).
        const read = await Promise.all([1, 2, 3, 4, 5].map((id) => users.get(id)));
        expect(read).toEqual(
          [1, 2, 3, 4, 5].map((id) => ({ id, at: new Date(Date.UTC(2026, 0, id)) })),
        );
        expect(computed).toBe(2);
        expect((await calls('mget')) - mgets).toBe(1);
        // One read alone is a GET.
        const gets = await calls('get');
        expect(await bindHotpath(new Users(), reader).get(1)).toEqual(read[0]);
        expect((await calls('get')) - gets).toBe(1);
        expect(errors).toEqual([]);
      } finally {
        await writer.shutdown();
        await reader.shutdown();
      }
    }, 15_000);

    it('makes every read of a failed MGET a miss, reported, never an unhandled rejection', async () => {
      const registry = createHotpath({
        stores: { shared: redisStore(redis.url, { namespace: 'batch-fails' }) },
      });
      const errors: string[] = [];
      registry.on('error', (error) => errors.push(error.message));
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => {
        unhandled.push(reason);
      };
      process.on('unhandledRejection', onUnhandled);
      try {
        const users = bindHotpath(new Users(), registry);
        // 4 last: memory (one entry) holds it, and 1, 2, 3 are read from Redis.
        for (const id of [1, 2, 3, 4]) await users.get(id);
        expect(await stored('batch-fails::hotpath:Users.get#3')).toBe(true);
        computed = 0;
        // Redis refuses MGET (and only MGET) to this connection's user.
        await raw.call('ACL', 'SETUSER', 'default', '-mget');
        const read = await Promise.all([1, 2, 3].map((id) => users.get(id)));
        expect(read).toEqual([1, 2, 3].map((id) => ({ id, at: new Date(Date.UTC(2026, 0, id)) })));
        expect(computed).toBe(3);
        expect(errors.filter((m) => m.includes("store 'shared' get failed"))).toHaveLength(3);
        await new Promise((resolve) => setImmediate(resolve));
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
        await raw.call('ACL', 'SETUSER', 'default', '+mget');
        await registry.shutdown();
      }
    }, 15_000);
  });
});
