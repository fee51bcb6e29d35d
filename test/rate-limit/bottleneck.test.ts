/**
 * The Bottleneck engine against real Redis: a limit shared by three processes, and a clustered
 * limiter that keeps working after FLUSHALL and after a Redis restart. FLUSHALL and the restart
 * run on a private redis-server started on a free port (never on the shared one).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import Bottleneck from 'bottleneck';
import Redis from 'ioredis';
import {
  HotpathError,
  RateLimitError,
  bindHotpath,
  control,
  createHotpath,
  rateLimit,
  type Hotpath,
} from '../../src/index.js';
import { describePrivateRedis, PrivateRedis } from '../helpers/redis-server.js';
import { childEnv } from '../helpers/child-env.js';
import { describeRedis } from '../helpers/services.js';
import { busiestWindow } from '../helpers/busiest-window.js';
import { sleepMs } from '../helpers/time.js';

const REPO = path.resolve(__dirname, '../..');
const runId = `hotpath-rl-${process.pid}-${Date.now().toString(36)}`;
let idCounter = 0;
const uniqueId = (what: string): string => `${runId}-${what}-${++idCounter}`;

/** Deletes the keys of Bottleneck limiters this run created on the shared Redis. */
async function cleanShared(url: string): Promise<void> {
  const client = new Redis(url);
  try {
    const keys = await client.keys(`b_${runId}*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

/**
 * Three worker processes (`fixtures/cluster-worker.ts`) share one clustered limiter of `limit`
 * per `interval`; each makes `calls` calls (one every `arrival` ms, or all at once), starting
 * together; `during(startAt)` runs meanwhile. Resolves with each worker's start times.
 */
async function runCluster(options: {
  url: string;
  limit: number;
  interval: number;
  calls: number;
  arrival?: number;
  during?: (startAt: number) => Promise<void>;
}): Promise<number[][]> {
  const startAt = Date.now() + 4_000;
  const env = childEnv({
    REDIS_URL: options.url,
    LIMITER_ID: uniqueId('cluster'),
    LIMIT: String(options.limit),
    INTERVAL: String(options.interval),
    CALLS: String(options.calls),
    START_AT: String(startAt),
    ARRIVAL_MS: String(options.arrival ?? 0),
  });
  const fixture = path.join(REPO, 'test/rate-limit/fixtures/cluster-worker.ts');
  const run = (worker: string): Promise<number[]> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
        cwd: REPO,
        env: { ...env, WORKER: worker },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code !== 0) reject(new Error(`worker ${worker} exited with ${code}: ${err}`));
        else
          resolve(
            out
              .trim()
              .split('\n')
              .map((line) => (JSON.parse(line) as { start: number }).start),
          );
      });
    });
  const [results] = await Promise.all([
    Promise.all(['a', 'b', 'c'].map(run)),
    options.during?.(startAt),
  ]);
  return results;
}

describeRedis('@rateLimit with Bottleneck against the shared Redis', (url) => {
  afterAll(async () => {
    await cleanShared(url);
  });

  it('never lets three processes sharing one clustered limiter exceed it', async () => {
    const limit = 5;
    const interval = 500;
    const calls = 8;
    const results = await runCluster({ url, limit, interval, calls });
    const starts = results.flat();
    for (const r of results) expect(r).toHaveLength(calls);
    expect(busiestWindow(starts, interval)).toBeLessThanOrEqual(limit);
    // Coordinated, not three separate budgets: 24 starts at 5 per 500 ms take at least 1.9 s
    // (three separate limiters would finish in about 0.8 s).
    const span = Math.max(...starts) - Math.min(...starts);
    expect(span).toBeGreaterThanOrEqual(((3 * calls - limit) * interval) / limit);
  }, 60_000);

  it('shares a Bottleneck instance given in the registry between methods and instances', async () => {
    const limiter = new Bottleneck({
      id: uniqueId('named'),
      datastore: 'ioredis',
      clientOptions: { host: new URL(url).hostname, port: Number(new URL(url).port || 6379) },
      maxConcurrent: 1,
      minTime: 50,
    });
    const registry = createHotpath({ limiters: { api: limiter } });
    const starts: number[] = [];
    let running = 0;
    let most = 0;
    class Api {
      @rateLimit({ limiter: 'api' })
      async a(): Promise<string> {
        starts.push(Date.now());
        running++;
        most = Math.max(most, running);
        await sleepMs(20);
        running--;
        return 'a';
      }
    }
    const one = bindHotpath(new Api(), registry);
    const two = bindHotpath(new Api(), registry);
    try {
      const values = await Promise.all([one.a(), two.a(), one.a(), two.a()]);
      expect(values).toEqual(['a', 'a', 'a', 'a']);
      expect(most).toBe(1);
      // Bottleneck's own minTime spaces the moments it grants; each job starts when this process's
      // timer fires, a few ms later by a varying amount, so only the total is checked here.
      expect(starts[3]! - starts[0]!).toBeGreaterThanOrEqual(100);
      expect(control(one, 'a').stats().rateLimit).toMatchObject({
        started: 4,
        running: 0,
        queued: 0,
      });
      // Queued calls reject with E_SHUTDOWN; the one in flight finishes; the limiter, which
      // belongs to the registry from now on, is stopped and disconnected.
      const first = one.a();
      const queued = two.a().catch((e: unknown) => e);
      while (starts.length < 5) await sleepMs(5); // `first` is in flight, `queued` waits

      await registry.shutdown();
      expect(await first).toBe('a');
      expect(await queued).toMatchObject({ code: 'E_SHUTDOWN' });
      const { client, subscriber } = limiter.clients() as {
        client: { status: string };
        subscriber: { status: string };
      };
      // QUIT was answered; the sockets close right after.
      for (let i = 0; i < 100 && client.status !== 'end'; i++) await sleepMs(10);
      for (let i = 0; i < 100 && subscriber.status !== 'end'; i++) await sleepMs(10);
      expect([client.status, subscriber.status]).toEqual(['end', 'end']);
    } finally {
      await registry.shutdown();
    }
  }, 30_000);

  it("rejects at once with onLimit: 'reject' when Bottleneck would not start the call now", async () => {
    const registry = createHotpath({
      limiters: {
        api: {
          minTime: 1_000,
          engine: 'bottleneck',
          bottleneck: {
            id: uniqueId('reject'),
            datastore: 'ioredis',
            clientOptions: { host: new URL(url).hostname, port: Number(new URL(url).port || 6379) },
          },
        },
      },
    });
    class Api {
      @rateLimit({ limiter: 'api', onLimit: 'reject' })
      async call(): Promise<string> {
        return 'ok';
      }
    }
    const api = bindHotpath(new Api(), registry);
    await expect(api.call()).resolves.toBe('ok');
    const error = await api.call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as Error).message).toBe(
      "Api.call: rate limit reached (1000 ms apart) (limiter 'api'); retry in 0 ms",
    );
    await registry.shutdown();
  }, 30_000);
});

describePrivateRedis('@rateLimit with Bottleneck on a private Redis (FLUSHALL, restart)', () => {
  let server: PrivateRedis;
  let port = 0;
  let admin: Redis;
  const registries: Hotpath[] = [];

  beforeAll(async () => {
    server = await PrivateRedis.start();
    port = server.port;
    admin = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      disconnectTimeout: 100,
    });
    admin.on('error', () => {});
    await admin.connect();
  });

  afterAll(async () => {
    await Promise.all(registries.map((r) => r.shutdown()));
    admin?.disconnect();
    await server?.kill();
  });

  /** A clustered limiter of 2 calls per 400 ms on the private Redis. */
  const clustered = (): { registry: Hotpath; errors: Error[]; id: string } => {
    const errors: Error[] = [];
    const id = uniqueId('private');
    const registry = createHotpath({
      limiters: {
        api: {
          limit: 2,
          interval: 400,
          engine: 'bottleneck',
          redisTimeout: 1_000,
          bottleneck: {
            id,
            datastore: 'ioredis',
            // ioredis keeps a ref'd 2 s timer (disconnectTimeout) for a socket to a dead server.
            clientOptions: { host: '127.0.0.1', port, disconnectTimeout: 100 },
          },
        },
      },
    });
    registry.on('error', (e) => errors.push(e));
    registries.push(registry);
    return { registry, errors, id };
  };

  class Api {
    starts: number[] = [];

    @rateLimit({ limiter: 'api' })
    async call(i: number): Promise<number> {
      this.starts.push(Date.now());
      return i;
    }
  }

  it('shows that plain Bottleneck fails after FLUSHALL on Redis 7 (the bug hotpath repairs)', async () => {
    const raw = new Bottleneck({
      id: uniqueId('raw'),
      datastore: 'ioredis',
      clientOptions: { host: '127.0.0.1', port },
    });
    raw.on('error', () => {});
    await expect(raw.schedule(async () => 1)).resolves.toBe(1);
    await admin.flushall();
    await expect(raw.schedule(async () => 2)).rejects.toThrow('ERR SETTINGS_KEY_NOT_FOUND');
    await raw.disconnect();
  }, 20_000);

  it('keeps working after FLUSHALL (the settings key disappears)', async () => {
    const { registry, id } = clustered();
    const api = bindHotpath(new Api(), registry);
    expect(await Promise.all([api.call(1), api.call(2)])).toEqual([1, 2]);
    await admin.flushall();
    expect(await Promise.all([api.call(3), api.call(4), api.call(5)])).toEqual([3, 4, 5]);
    // Still limiting after the re-initialisation: never more than 2 starts in 400 ms.
    expect(busiestWindow(api.starts.slice(2), 400)).toBeLessThanOrEqual(2);
    expect(await admin.exists(`b_${id}_settings`)).toBe(1);
  }, 20_000);

  it('never lets three processes exceed the limit when FLUSHALL wipes its state mid-run', async () => {
    const limit = 10;
    const interval = 500;
    const calls = 20;
    // Calls keep arriving (one every 80 ms per process, faster than the limit), so every
    // process holds starts granted ahead when the state disappears, and asks for more after.
    const results = await runCluster({
      url: `redis://127.0.0.1:${port}`,
      limit,
      interval,
      calls,
      arrival: 80,
      during: async (startAt) => {
        await sleepMs(startAt - Date.now() + 500);
        await admin.flushall();
      },
    });
    for (const r of results) expect(r).toHaveLength(calls);
    expect(busiestWindow(results.flat(), interval)).toBeLessThanOrEqual(limit);
  }, 60_000);

  it('rejects calls with E_STORE while Redis is down, and keeps working after it restarts', async () => {
    const { registry, errors } = clustered();
    const api = bindHotpath(new Api(), registry);
    expect(await api.call(1)).toBe(1);

    await server.kill();
    const began = Date.now();
    const failed = await api.call(2).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(HotpathError);
    expect(failed).toMatchObject({ code: 'E_STORE' });
    expect((failed as Error).message).toMatch(
      /^Api\.call: the rate limiter \(limiter 'api'\) could not reach Redis \(.+\); the call was not started$/,
    );
    expect(Date.now() - began).toBeLessThan(8_000);
    expect(api.starts).toHaveLength(1);

    await server.start();
    let recovered = false;
    for (let attempt = 0; attempt < 40 && !recovered; attempt++) {
      recovered = await api.call(3).then(
        () => true,
        () => false,
      );
      if (!recovered) await sleepMs(250);
    }
    expect(recovered).toBe(true);
    api.starts.length = 0;
    expect(await Promise.all([api.call(4), api.call(5), api.call(6)])).toEqual([4, 5, 6]);
    expect(busiestWindow(api.starts, 400)).toBeLessThanOrEqual(2);
    // The outage reached the registry's error event (connection errors, failed heartbeats), as E_STORE.
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((e) => (e as HotpathError).code)).toEqual(errors.map(() => 'E_STORE'));
  }, 40_000);

  it('shuts down within a bounded time while Redis is down; the waiting call rejects', async () => {
    const { registry } = clustered();
    const api = bindHotpath(new Api(), registry);
    expect(await api.call(1)).toBe(1);
    await server.kill();
    const waiting = api.call(2).catch((e: unknown) => e);
    const began = Date.now();
    await registry.shutdown();
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(['E_SHUTDOWN', 'E_STORE']).toContain(((await waiting) as HotpathError).code);
    expect(api.starts).toHaveLength(1);
    await server.start();
  }, 30_000);
});
