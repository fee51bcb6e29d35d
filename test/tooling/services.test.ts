/**
 * The services `.ci/run` provides answer, through the clients the integrations use.
 * Without `REDIS_URL` / `POSTGRES_URL` these suites show as skipped, with the reason.
 */
import { expect, it } from '@jest/globals';
import KeyvPostgres from '@keyv/postgres';
import { Redis } from 'ioredis';
import Keyv from 'keyv';
import { MODE } from '../helpers/mode.js';
import { describePostgres, describeRedis } from '../helpers/services.js';

describeRedis('the Redis service', (url) => {
  it('answers PING through ioredis', async () => {
    const redis = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
    });
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });
});

describePostgres('the PostgreSQL service', (url) => {
  it('stores and reads a value through keyv and @keyv/postgres', async () => {
    // One table per Jest project: both projects run at the same time.
    const keyv = new Keyv({
      store: new KeyvPostgres({ uri: url, table: `hotpath_tooling_${MODE}` }),
    });
    keyv.on('error', () => {});
    try {
      const key = `check-${process.pid}`;
      await keyv.set(key, 'ok');
      expect(await keyv.get(key)).toBe('ok');
      await keyv.delete(key);
    } finally {
      await keyv.disconnect();
    }
  });
});
