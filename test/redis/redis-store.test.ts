import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { redisStore } from '../../src/redis/index.js';
import { REPO_ROOT } from '../setup/jest-project.js';
import { describeRedis } from '../helpers/services.js';
import { describePrivateRedis, freePort, usePrivateRedis } from '../helpers/redis-server.js';
import { eventually } from '../helpers/eventually.js';

const run = `hotpath-test:store:${process.pid}:${Date.now()}`;
const STORE_CYCLES = path.join(REPO_ROOT, 'test/redis/fixtures/store-cycles.ts');

/** Connections of this process that the store opened, as Redis sees them. */
async function storeConnections(raw: Redis): Promise<number> {
  const list = (await raw.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=hotpath:store:${process.pid} `))
    .length;
}

describe('redisStore options', () => {
  it('rejects a URL that is not redis:// with a TypeError naming it', () => {
    expect(() => redisStore('http://localhost:6379')).toThrow(
      new TypeError(
        "redisStore: `url` must be a redis:// or rediss:// URL string, got 'http://localhost:6379'",
      ),
    );
  });

  it('shows the right call for a URL passed inside an object, or an unparsable one', () => {
    expect(() => redisStore({ url: 'redis://127.0.0.1:1' } as never)).toThrow(
      new TypeError(
        "redisStore: `url` must be a redis:// or rediss:// URL string, got { url: 'redis://127.0.0.1:1' } (did you mean `redisStore('redis://127.0.0.1:1', options)`?)",
      ),
    );
    expect(() => redisStore('redis://a b')).toThrow(
      new TypeError(
        "redisStore: `url` must be a redis:// or rediss:// URL string, got 'redis://a b'",
      ),
    );
  });

  it("names our option for the underlying clients' names", () => {
    expect(() => redisStore('redis://127.0.0.1:1', { connectionTimeout: 500 } as never)).toThrow(
      new TypeError(
        'redisStore: unknown option `connectionTimeout` (did you mean `connectTimeout`?)',
      ),
    );
    expect(() => redisStore('redis://127.0.0.1:1', { keyPrefix: 'shop' } as never)).toThrow(
      new TypeError('redisStore: unknown option `keyPrefix` (did you mean `namespace`?)'),
    );
  });

  it('rejects bad durations and unknown options word for word', () => {
    expect(() => redisStore('redis://127.0.0.1:1', { connectTimeout: -1 })).toThrow(
      new TypeError(
        "redisStore: `connectTimeout` must be a positive duration (milliseconds or a string like '5m') of at most 2147483647 ms (24.8 days), got -1",
      ),
    );
    expect(() => redisStore('redis://127.0.0.1:1', { namespace: '' })).toThrow(
      new TypeError("redisStore: `namespace` must be a non-empty string, got ''"),
    );
    expect(() => redisStore('redis://127.0.0.1:1', { namespce: 'shop' } as never)).toThrow(
      new TypeError('redisStore: unknown option `namespce` (did you mean `namespace`?)'),
    );
    expect(() => redisStore('redis://127.0.0.1:1', 'shop' as never)).toThrow(
      new TypeError("redisStore: options must be an object, got 'shop'"),
    );
    expect(() => redisStore('redis://127.0.0.1:1', { timeout: 5 } as never)).toThrow(
      new TypeError(
        'redisStore: unknown option `timeout` (known options: `namespace`, `connectTimeout`, `commandTimeout`, `maxReconnectDelay`)',
      ),
    );
  });
});

describeRedis('redisStore against the shared Redis', (url) => {
  let raw: Redis;
  beforeAll(() => {
    raw = new Redis(url);
  });
  afterAll(async () => {
    const keys = await raw.keys(`${run}*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
  });

  it('stores each key once under <namespace>::<key>, never double-prefixed', async () => {
    const store = redisStore(url, { namespace: `${run}:a` });
    try {
      await store.set('user:1', 'encoded-value');
      expect(await store.get('user:1')).toBe('encoded-value');
      expect(await raw.keys(`${run}:a*`)).toEqual([`${run}:a::user:1`]);
      // Stored as it is: no keyv envelope around a string that is already encoded.
      expect(await raw.get(`${run}:a::user:1`)).toBe('encoded-value');
    } finally {
      await store.disconnect();
    }
  }, 10_000);

  it("reads a value in keyv's envelope (written by an older version) as a miss", async () => {
    const store = redisStore(url, { namespace: `${run}:old` });
    const errors: unknown[] = [];
    store.on('error', (error) => errors.push(error));
    try {
      await raw.set(`${run}:old::a`, JSON.stringify({ value: '["v",1,2,3]', expires: null }));
      await raw.set(`${run}:old::b`, JSON.stringify({ value: '["v",1,2,3]' }));
      expect(await store.get('a')).toBeUndefined();
      expect(await store.get('b')).toBeUndefined();
      await store.set('a', '["v",1,2,3]');
      expect(await store.get('a')).toBe('["v",1,2,3]');
      expect(errors).toEqual([]);
    } finally {
      await store.disconnect();
    }
  }, 10_000);

  it('refuses a value that is not a string', async () => {
    const store = redisStore(url, { namespace: `${run}:types` }) as unknown as {
      set(key: string, value: unknown): Promise<boolean>;
      disconnect(): Promise<void>;
    };
    try {
      await expect(store.set('k', { a: 1 })).rejects.toThrow(
        'redisStore stores strings, got object',
      );
    } finally {
      await store.disconnect();
    }
  }, 10_000);

  it('passes the ttl to Redis so entries expire there too', async () => {
    const store = redisStore(url, { namespace: `${run}:ttl` });
    try {
      await store.set('k', 'v', 5_000);
      const pttl = await raw.pttl(`${run}:ttl::k`);
      expect(pttl).toBeGreaterThan(4_000);
      expect(pttl).toBeLessThanOrEqual(5_000);
    } finally {
      await store.disconnect();
    }
  }, 10_000);

  it('shares one connection between namespaces of one URL and closes it with the last user', async () => {
    const a = redisStore(url, { namespace: `${run}:ns1` });
    const b = redisStore(url, { namespace: `${run}:ns2` });
    await a.set('k', 'from a');
    await b.set('k', 'from b');
    expect([await a.get('k'), await b.get('k')]).toEqual(['from a', 'from b']);
    expect(await storeConnections(raw)).toBe(1);
    await a.disconnect();
    expect(await b.get('k')).toBe('from b');
    // A disconnected store refuses calls even though its connection lives on for the other.
    await expect(a.get('k')).rejects.toThrow(
      `redisStore: the store for ${new URL(url).hostname}:${new URL(url).port || '6379'} was disconnected`,
    );
    await b.disconnect();
    expect(await eventually(async () => (await storeConnections(raw)) === 0, 2_000)).toBe(true);
  }, 10_000);

  it('leaves nothing behind on the shared client: no listener, no reachable store, no warning', () => {
    // A real process: reachability needs --expose-gc, and warnings must be the process's own.
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', STORE_CYCLES, url, `${run}:cycles`],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 },
    );
    expect(child.stderr).toBe('');
    const report = JSON.parse(child.stdout) as Record<string, unknown>;
    // 50 stores created, used and disconnected while another one keeps the client open.
    expect(report).toMatchObject({
      listenersAfter: report.listenersBefore,
      reachable: 0,
      warnings: [],
    });
  }, 40_000);

  it('clears its own namespace and nothing else', async () => {
    const a = redisStore(url, { namespace: `${run}:c1` });
    const b = redisStore(url, { namespace: `${run}:c2` });
    try {
      await a.set('x', '1');
      await b.set('x', '2');
      await a.clear();
      expect(await a.get('x')).toBeUndefined();
      expect(await b.get('x')).toBe('2');
    } finally {
      await Promise.all([a.disconnect(), b.disconnect()]);
    }
  }, 10_000);
});

describe('redisStore when Redis is away', () => {
  it('rejects calls quickly instead of hanging, and reports the outage once', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const store = redisStore(url, { namespace: 'nobody-listens' });
    const errors: string[] = [];
    store.on('error', (e: unknown) => errors.push(String(e)));
    try {
      const started = Date.now();
      await expect(store.get('k')).rejects.toThrow(
        `Redis at 127.0.0.1:${new URL(url).port} is unreachable`,
      );
      expect(Date.now() - started).toBeLessThan(1_100);
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t = Date.now();
        await expect(store.get('k')).rejects.toThrow('is unreachable');
        times.push(Date.now() - t);
      }
      expect(Math.max(...times)).toBeLessThan(50);
      expect(errors.filter((e) => e.includes('cannot connect to Redis')).length).toBe(1);
    } finally {
      await store.disconnect();
    }
  }, 10_000);
});

describePrivateRedis('redisStore through a Redis restart', () => {
  const privateRedis = usePrivateRedis();

  it('fails fast while Redis is down and resumes by itself when it is back', async () => {
    const store = redisStore(privateRedis().url, { namespace: run });
    const errors: string[] = [];
    store.on('error', (e: unknown) => errors.push(String(e)));
    try {
      await store.set('k', 'before');
      expect(await store.get('k')).toBe('before');

      await privateRedis().kill();
      const down = Date.now();
      await expect(store.get('k')).rejects.toThrow();
      expect(Date.now() - down).toBeLessThan(1_100);
      const t = Date.now();
      await expect(store.set('k', 'during')).rejects.toThrow('is unreachable');
      expect(Date.now() - t).toBeLessThan(50);

      await privateRedis().start();
      const back = Date.now();
      const resumed = await eventually(async () => {
        try {
          await store.set('k', 'after');
          return (await store.get('k')) === 'after';
        } catch {
          return false;
        }
      }, 5_000);
      expect(resumed).toBe(true);
      expect(Date.now() - back).toBeLessThan(2_500);
      expect(errors.filter((e) => e.includes('lost the connection to Redis')).length).toBe(1);
    } finally {
      await store.disconnect();
    }
  }, 20_000);
});
