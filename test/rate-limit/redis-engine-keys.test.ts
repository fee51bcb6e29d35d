/**
 * Per-key budgets of the native Redis engine (`engine: 'redis'` with `key`): two registries,
 * each with its own ioredis connection (as two processes would have), share each key's budget
 * on the shared Redis and no other key's; each key is its own hash tag, percent-escaped, whose
 * Redis keys expire after the window; the engines of idle keys are released in process.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  HotpathError,
  RateLimitError,
  bindHotpath,
  control,
  createHotpath,
  rateLimit,
  type Hotpath,
} from '../../src/index.js';
import { describeRedis } from '../helpers/services.js';

const runId = `hotpath-rlk-${process.pid}-${Date.now().toString(36)}`;
let counter = 0;
const uniqueKey = (what: string): string => `${runId}-${what}-${++counter}`;

/** What a call settled with: its value, or its rejection's reason. */
async function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => value,
    (error: unknown) => error,
  );
}

describe("@rateLimit engine: 'redis' with key: options", () => {
  it('accepts `key` with the redis engine', () => {
    const client = { evalsha: async () => 0, eval: async () => 0 };
    expect(() => {
      class Api {
        @rateLimit({ limit: 1, engine: 'redis', redis: { client, key: 'k' }, key: () => 1 })
        async call(): Promise<void> {}
      }
      void Api;
    }).not.toThrow();
  });
});

describeRedis("@rateLimit engine: 'redis' with key, on the shared Redis", (url) => {
  const connections: Redis[] = [];
  const registries: Hotpath[] = [];
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(url);
  });
  afterAll(async () => {
    for (const r of registries) await r.shutdown();
    for (const c of connections) c.disconnect();
    const keys = await admin.keys(`hotpath:rl:{${runId}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  /** A registry with its own Redis connection, as one process of several would have. */
  function processLike(name: string): { registry: Hotpath; client: Redis } {
    const client = new Redis(url);
    connections.push(client);
    const registry = createHotpath({ name });
    registries.push(registry);
    return { registry, client };
  }

  function keyedApi(
    client: Redis,
    limiter: string,
  ): new () => { call(tenant: unknown): Promise<string> } {
    class Api {
      @rateLimit({
        limit: 2,
        interval: '10s',
        engine: 'redis',
        redis: { client, key: limiter },
        key: (tenant: unknown) => tenant,
        onLimit: 'reject',
      })
      async call(tenant: unknown): Promise<string> {
        return `ok ${String(tenant)}`;
      }
    }
    return Api;
  }

  it('gives each key one budget shared by both registries, and no other key', async () => {
    const limiter = uniqueKey('own');
    const one = processLike('one');
    const two = processLike('two');
    const a = bindHotpath(new (keyedApi(one.client, limiter))(), one.registry);
    const b = bindHotpath(new (keyedApi(two.client, limiter))(), two.registry);

    expect(await a.call('ada')).toBe('ok ada');
    expect(await b.call('ada')).toBe('ok ada');
    const refused = await outcome(a.call('ada'));
    expect(refused).toBeInstanceOf(RateLimitError);
    const retryAfter = (refused as RateLimitError).retryAfter;
    expect(retryAfter).toBeGreaterThan(9_000);
    expect((refused as RateLimitError).message).toBe(
      `Api.call: rate limit reached (2 calls per 10000 ms); retry in ${retryAfter} ms`,
    );
    expect(await outcome(b.call('ada'))).toBeInstanceOf(RateLimitError);

    // Another key has its own budget, in both registries.
    expect(await b.call('grace')).toBe('ok grace');
    expect(await a.call('grace')).toBe('ok grace');
    expect(await outcome(a.call('grace'))).toBeInstanceOf(RateLimitError);

    // 7 and '7' are two budgets, as they are in process.
    expect(await a.call(7)).toBe('ok 7');
    expect(await b.call(7)).toBe('ok 7');
    expect(await a.call('7')).toBe('ok 7');
    expect(await outcome(b.call(7))).toBeInstanceOf(RateLimitError);

    // Each key is its own hash tag, and its keys expire after the window (plus slack).
    const starts = `hotpath:rl:{${limiter}:ada}:starts`;
    expect(await admin.zcard(starts)).toBe(2);
    const ttl = await admin.pttl(starts);
    expect(ttl).toBeGreaterThan(9_000);
    expect(ttl).toBeLessThanOrEqual(10_000 + 50 + 1_000);
    expect(await admin.zcard(`hotpath:rl:{${limiter}:%007}:starts`)).toBe(2);
    expect(await admin.zcard(`hotpath:rl:{${limiter}:7}:starts`)).toBe(1);
  });

  it('percent-escapes the limit and the key, so that no two budgets share a name', async () => {
    const base = uniqueKey('escape');
    const { registry, client } = processLike('escape');
    // Limit `base:x` with key `y` against limit `base` with key `x:y`: one name unescaped.
    const a = bindHotpath(new (keyedApi(client, `${base}:x`))(), registry);
    const b = bindHotpath(new (keyedApi(client, base))(), registry);
    expect(await a.call('y')).toBe('ok y');
    expect(await a.call('y')).toBe('ok y');
    expect(await b.call('x:y')).toBe('ok x:y');
    expect(await b.call('x:y')).toBe('ok x:y');
    expect(await outcome(b.call('x:y'))).toBeInstanceOf(RateLimitError);
    // A `}` in a key does not end the hash tag early.
    expect(await b.call('}{%')).toBe('ok }{%');
    expect(await admin.zcard(`hotpath:rl:{${base}%3Ax:y}:starts`)).toBe(2);
    expect(await admin.zcard(`hotpath:rl:{${base}:x%3Ay}:starts`)).toBe(2);
    expect(await admin.zcard(`hotpath:rl:{${base}:%7D%7B%25}:starts`)).toBe(1);
  });

  it('shares the per-key budgets of a named Redis limiter between registries', async () => {
    const limiter = uniqueKey('named');
    const apis = ['one', 'two'].map((name) => {
      const client = new Redis(url);
      connections.push(client);
      const registry = createHotpath({
        name,
        limiters: {
          api: { limit: 1, interval: '10s', engine: 'redis', redis: { client, key: limiter } },
        },
      });
      registries.push(registry);
      class Api {
        @rateLimit({ limiter: 'api', key: (user: string) => user, onLimit: 'reject' })
        async call(user: string): Promise<string> {
          return user;
        }
      }
      return bindHotpath(new Api(), registry);
    });
    expect(await apis[0]!.call('ada')).toBe('ada');
    const refused = await outcome(apis[1]!.call('ada'));
    expect(refused).toBeInstanceOf(RateLimitError);
    expect((refused as RateLimitError).message).toBe(
      `Api.call: rate limit reached (1 call per 10000 ms) (limiter 'api'); retry in ${(refused as RateLimitError).retryAfter} ms`,
    );
    expect(await apis[1]!.call('grace')).toBe('grace');
    expect(await admin.exists(`hotpath:rl:{${limiter}:grace}:starts`)).toBe(1);
  });

  it('refuses a key no other process can name (a function), and releases idle keys in process', async () => {
    const limiter = uniqueKey('release');
    const { registry, client } = processLike('release');
    class Api {
      @rateLimit({
        limit: 5,
        interval: 200,
        engine: 'redis',
        redis: { client, key: limiter },
        key: (tenant: unknown) => tenant,
      })
      async call(_tenant: unknown): Promise<void> {}
    }
    const api = bindHotpath(new Api(), registry);
    const refused = await outcome(api.call(function tenant() {}));
    expect(refused).toBeInstanceOf(HotpathError);
    expect(refused).toMatchObject({
      code: 'E_UNKEYABLE',
      message:
        "Api.call: `key` must return a string, a number or a structure of them with `engine: 'redis'` (every process must name the same budget), got [Function: tenant]",
    });
    await Promise.all(['a', 'b', 'c'].map((t) => api.call(t)));
    await api.call(['eu', 1]);
    expect(control(api, 'call').stats().rateLimit).toMatchObject({ keys: 4 });
    expect(await admin.exists(`hotpath:rl:{${limiter}:%00["eu",1]}:starts`)).toBe(1);
    // Nothing is kept per key in process once idle: the budget lives in Redis.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(control(api, 'call').stats().rateLimit).toMatchObject({ keys: 0 });
    // ... and in Redis its keys expired after the window (200 ms, plus 50 ms and 1 s).
    expect(await admin.exists(`hotpath:rl:{${limiter}:%00["eu",1]}:starts`)).toBe(0);
  }, 10_000);
});
