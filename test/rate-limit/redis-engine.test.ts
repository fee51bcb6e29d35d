/**
 * The native Redis engine (`engine: 'redis'`): its options, and one limit shared by four real
 * processes on the shared Redis (never more than `limit` starts in any window of the combined
 * start times), `onLimit: 'reject'`, `maxConcurrent` leases that outlive no dead process, and
 * what a call does when Redis is unreachable (fail closed or open), on a private redis-server.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  HotpathError,
  RateLimitError,
  bindHotpath,
  createHotpath,
  rateLimit,
  type Hotpath,
} from '../../src/index.js';
import { busiestWindow } from '../helpers/busiest-window.js';
import { runEngineWorkers } from '../helpers/redis-engine-run.js';
import { describePrivateRedis, usePrivateRedis } from '../helpers/redis-server.js';
import { describeRedis } from '../helpers/services.js';
import { describe } from '@jest/globals';
import { LEGACY } from '../helpers/mode.js';

const runId = `hotpath-rle-${process.pid}-${Date.now().toString(36)}`;
let counter = 0;
const uniqueKey = (what: string): string => `${runId}-${what}-${++counter}`;

describe("@rateLimit engine: 'redis' options", () => {
  const client = { evalsha: async () => 0, eval: async () => 0 };
  const where = LEGACY ? 'Api.call' : 'call';
  const define = (options: object): void => {
    class Api {
      @rateLimit(options)
      async call(): Promise<void> {}
    }
    void Api;
  };

  it('requires the redis option with its client and key', () => {
    expect(() => define({ limit: 1, engine: 'redis' })).toThrow(
      `@rateLimit on ${where}: \`redis\` must be an object \`{ client, key }\` (an ioredis Redis or Cluster, and the limit's name in Redis), got undefined`,
    );
    expect(() => define({ limit: 1, engine: 'redis', redis: { key: 'k' } })).toThrow(
      `@rateLimit on ${where}: \`redis.client\` must be an ioredis Redis or Cluster client, got undefined`,
    );
    expect(() => define({ limit: 1, engine: 'redis', redis: { client } })).toThrow(
      `@rateLimit on ${where}: \`redis.key\` must be a non-empty string (the limit's name in Redis), got undefined`,
    );
  });

  it('names a misspelt redis option with its path, and checks whenUnreachable', () => {
    expect(() =>
      define({ limit: 1, engine: 'redis', redis: { client, key: 'k', leaseTTL: 5 } }),
    ).toThrow(
      `@rateLimit on ${where}: unknown option \`redis.leaseTTL\` (did you mean \`redis.leaseTtl\`?)`,
    );
    expect(() =>
      define({ limit: 1, engine: 'redis', redis: { client, key: 'k', whenUnreachable: 'open' } }),
    ).toThrow(
      `@rateLimit on ${where}: \`redis.whenUnreachable\` must be one of 'fail-closed', 'fail-open', got 'open'`,
    );
  });

  it('refuses redis options without the redis engine', () => {
    expect(() => define({ limit: 1, redis: { client, key: 'k' } })).toThrow(
      `@rateLimit on ${where}: \`redis\` options need \`engine: 'redis'\``,
    );
  });
});

describeRedis("@rateLimit engine: 'redis' on the shared Redis", (url) => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis(url);
  });
  afterAll(async () => {
    const keys = await client.keys(`hotpath:rl:{${runId}*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  });

  it('never lets four processes sharing one limit exceed it in any window', async () => {
    const limit = 5;
    const interval = 400;
    const calls = 6;
    const run = await runEngineWorkers({
      target: { url },
      key: uniqueKey('four'),
      limit,
      interval,
      calls,
      workers: 4,
    });
    expect(run.failed).toEqual([]);
    for (const s of run.starts) expect(s).toHaveLength(calls);
    const starts = run.starts.flat();
    expect(busiestWindow(starts, interval)).toBeLessThanOrEqual(limit);
    // One budget, not four: 24 starts at 5 per 400 ms take at least 1.5 s.
    const span = Math.max(...starts) - Math.min(...starts);
    expect(span).toBeGreaterThanOrEqual(((4 * calls - limit) * interval) / limit);
  }, 90_000);

  it("rejects with onLimit: 'reject' once the shared budget is spent, with retryAfter", async () => {
    const key = uniqueKey('reject');
    const registry = createHotpath({ name: 'reject' });
    class Api {
      @rateLimit({
        limit: 2,
        interval: '10s',
        engine: 'redis',
        redis: { client, key },
        onLimit: 'reject',
      })
      async call(): Promise<string> {
        return 'ok';
      }
    }
    const api = bindHotpath(new Api(), registry);
    await expect(api.call()).resolves.toBe('ok');
    await expect(api.call()).resolves.toBe('ok');
    const refused = await api.call().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitError);
    expect((refused as RateLimitError).message).toMatch(
      /^Api\.call: rate limit reached \(2 calls per 10000 ms\); retry in \d+ ms$/,
    );
    expect((refused as RateLimitError).retryAfter).toBeGreaterThan(9_000);
    await registry.shutdown();
  });

  it('queues by priority: a waiting priority-0 call starts before earlier priority-9 ones', async () => {
    const key = uniqueKey('priority');
    const registry = createHotpath({ name: 'priority' });
    const order: string[] = [];
    class Api {
      @rateLimit({
        limit: 1,
        interval: 200,
        engine: 'redis',
        redis: { client, key },
        priority: (p: number) => p,
      })
      async call(_p: number, name: string): Promise<void> {
        order.push(name);
      }
    }
    const api = bindHotpath(new Api(), registry);
    const first = api.call(5, 'first');
    const low = [api.call(9, 'low-1'), api.call(9, 'low-2')];
    await first;
    const high = api.call(0, 'high');
    await Promise.all([...low, high]);
    expect(order).toEqual(['first', 'high', 'low-1', 'low-2']);
    await registry.shutdown();
  }, 20_000);
});

describePrivateRedis("@rateLimit engine: 'redis' when Redis is unreachable", () => {
  const server = usePrivateRedis();
  let registry: Hotpath;
  afterAll(async () => {
    await registry?.shutdown();
  });

  it("fails closed by default (E_STORE), and runs under the local limit with 'fail-open'", async () => {
    const client = new Redis(server().url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    await new Promise((resolve) => client.once('ready', resolve));
    registry = createHotpath({ name: 'down' });
    let ran = 0;
    class Api {
      @rateLimit({ limit: 5, engine: 'redis', redis: { client, key: 'closed' }, redisTimeout: 300 })
      async closed(): Promise<void> {
        ran++;
      }

      @rateLimit({
        limit: 2,
        interval: '10s',
        engine: 'redis',
        redis: { client, key: 'open', whenUnreachable: 'fail-open' },
        redisTimeout: 300,
        onLimit: 'reject',
      })
      async open(): Promise<void> {
        ran++;
      }
    }
    const api = bindHotpath(new Api(), registry);
    await api.closed();
    expect(ran).toBe(1);
    await server().kill();
    const error = await api.closed().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HotpathError);
    expect((error as HotpathError).code).toBe('E_STORE');
    expect((error as HotpathError).message).toMatch(
      /^Api\.closed: the rate limiter could not reach Redis \(.+\); the call was not started$/,
    );
    expect(ran).toBe(1);
    // Fail open: this process's own limit of 2 per 10 s still applies.
    await api.open();
    await api.open();
    await expect(api.open()).rejects.toBeInstanceOf(RateLimitError);
    expect(ran).toBe(3);
    client.disconnect();
    await server().start();
  }, 20_000);
});
