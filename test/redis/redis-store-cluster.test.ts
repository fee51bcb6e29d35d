/**
 * `redisStore({ client })` on the user's own node-redis client: a Redis Cluster (six private
 * nodes) and a Sentinel set (master, replica, three sentinels), each started once for its
 * suite. `@cached` methods of two registries (two processes' worth of state) share entries on
 * keys spread over every master, see each other's invalidations (tags, `clear()`) through the
 * store's marks, and send nothing but single-key commands (no SCAN, no multi-key command that
 * could span slots). When a master is killed during a stream of calls, no call fails (the
 * store's answers become misses) and caching resumes by itself once the replica is promoted.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, createCluster, createSentinel } from '@keyv/redis';
import { bindHotpath, cached, control, createHotpath, type Hotpath } from '../../src/index.js';
import { redisStore, type RedisStoreClient } from '../../src/redis/index.js';
import { PrivateCluster } from '../helpers/private-cluster.js';
import { PrivateSentinel, SENTINEL_MASTER } from '../helpers/private-sentinel.js';
import { describePrivateRedis } from '../helpers/redis-server.js';
import { eventually } from '../helpers/eventually.js';
import { sleepMs } from '../helpers/time.js';

describe('redisStore({ client }) options', () => {
  it('takes a node-redis client, in one object, and checks it word for word', () => {
    expect(() => redisStore({ client: {} as never })).toThrow(
      new TypeError(
        'redisStore: `client` must be a node-redis client (`createClient()`, `createCluster()` or `createSentinel()`, re-exported by @keyv/redis), got {}',
      ),
    );
    const ioredisLike = { status: 'wait', get() {}, set() {}, on() {}, off() {} };
    expect(() => redisStore({ client: ioredisLike as never })).toThrow(
      'redisStore: `client` must be a node-redis client (`createClient()`, `createCluster()` or `createSentinel()`, re-exported by @keyv/redis), got { status: ',
    );
    expect(() => redisStore({ client: ioredisLike as never })).toThrow(
      '(an ioredis client? redisStore needs node-redis)',
    );
    const client = createClient({ url: 'redis://127.0.0.1:1' });
    const untyped = redisStore as (...args: unknown[]) => unknown;
    expect(() => untyped({ client }, { namespace: 'a' })).toThrow(
      new TypeError(
        'redisStore: takes `redisStore({ client, ...options })`: one object, not a second argument',
      ),
    );
    expect(() => redisStore({ client, maxReconnectDelay: '1s' } as never)).toThrow(
      new TypeError(
        'redisStore: unknown option `maxReconnectDelay` (known options: `client`, `namespace`, `connectTimeout`, `commandTimeout`)',
      ),
    );
  });

  it('refuses calls at once, reported once, while the client is not connected', async () => {
    const client = createClient({ url: 'redis://127.0.0.1:1' });
    const store = redisStore({ client, connectTimeout: 50 });
    const errors: string[] = [];
    store.on('error', (e: Error) => void errors.push(e.message));
    for (let i = 0; i < 3; i++) {
      await expect(store.get('k')).rejects.toThrow(
        'Redis is unreachable (the client is not connected: call `await client.connect()`)',
      );
    }
    expect(errors).toEqual([
      'lost the connection to Redis (the client is not connected: call `await client.connect()`); the client reconnects by itself',
    ]);
    await store.disconnect();
    await expect(store.get('k')).rejects.toThrow(
      'redisStore: the store for Redis was disconnected',
    );
  });
});

/**
 * A method cached in the store, counting its runs. `storeTimeout` 1 s: six Redis nodes and
 * Jest share two loaded cores here, and a store step timing out would count as an error.
 */
class Prices {
  runs = 0;

  @cached({
    store: 'redis',
    ttl: '1m',
    storeTimeout: '1s',
    tags: (_result, sku: string) => [`sku:${sku}`, 'prices'],
  })
  async price(sku: string): Promise<string> {
    this.runs++;
    return `price of ${sku} #${this.runs}`;
  }
}

/** One "process": a registry over its own store on `client`, and a bound `Prices`. */
interface App {
  readonly registry: Hotpath;
  readonly prices: Prices;
  readonly errors: string[];
}

/**
 * A new {@link App} over its own store on `client` (a cluster's or a Sentinel's client),
 * remembered in `registries` for the suite's cleanup.
 */
function appOn(client: RedisStoreClient, namespace: string, registries: Hotpath[]): App {
  const registry = createHotpath({ stores: { redis: redisStore({ client, namespace }) } });
  const errors: string[] = [];
  registry.on('error', (e) => void errors.push(e.message));
  registries.push(registry);
  return { registry, prices: bindHotpath(new Prices(), registry), errors };
}

/** Prices of `skus` on `app`; resolves how many calls rejected (expected: none). */
async function read(app: App, skus: readonly string[]): Promise<number> {
  const answers = await Promise.allSettled(skus.map((sku) => app.prices.price(sku)));
  return answers.filter((a) => a.status === 'rejected').length;
}

const SKUS = Array.from({ length: 60 }, (_, i) => `sku-${i}`);

/**
 * Calls `app` every 10 ms (a few keys each) while `disturb()` runs, then until `until()` holds
 * (bounded); resolves the failed calls, all calls, and the longest call (ms).
 */
async function callThrough(
  app: App,
  disturb: () => Promise<void>,
): Promise<{ failed: number; calls: number; longest: number }> {
  let failed = 0;
  let calls = 0;
  let longest = 0;
  let running = true;
  let round = 0;
  const loop = (async () => {
    while (running) {
      // Fresh keys each round: each call reads (or writes) the store, never only its memory.
      const skus = [`stream-${round}-a`, `stream-${round}-b`, `stream-${round}-c`];
      round++;
      const t0 = performance.now();
      failed += await read(app, skus);
      calls += skus.length;
      longest = Math.max(longest, performance.now() - t0);
      await sleepMs(10);
    }
  })();
  await disturb();
  running = false;
  await loop;
  return { failed, calls, longest };
}

/** Resolves once a write and a read of a fresh key through `store` both succeed. */
async function storeAnswers(store: ReturnType<typeof redisStore>, key: string): Promise<boolean> {
  try {
    await store.set(key, 'v');
    return (await store.get(key)) === 'v';
  } catch {
    return false;
  }
}

/**
 * Resolves a fresh registry from `fresh()` that read every one of `skus` from the store (ran
 * nothing), waiting for background writes to land (polled with new registries).
 */
async function landed(fresh: () => App, skus: readonly string[]): Promise<App> {
  let reader!: App;
  const ok = await eventually(
    async () => {
      reader = fresh();
      return (await read(reader, skus)) === 0 && reader.prices.runs === 0;
    },
    10_000,
    100,
  );
  expect(ok).toBe(true);
  return reader;
}

/**
 * The checks both topologies share, between a registry `a` and fresh registries on another
 * client (other processes): entries written by one are read by the others, and a tag
 * invalidated or a `clear()` by one reaches the others through the store's marks.
 */
function sharedBehaviour(apps: () => { a: App; fresh: () => App }): void {
  it('shares entries between registries on keys of every master', async () => {
    const { a, fresh } = apps();
    expect(await read(a, SKUS)).toBe(0);
    expect(a.prices.runs).toBe(SKUS.length);
    const b = await landed(fresh, SKUS);
    const tiers = b.registry.stats().methods['Prices.price']!.cached as {
      hitsByTier: Record<string, number>;
    };
    expect(tiers.hitsByTier.redis).toBe(SKUS.length);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it("sees another registry's tag invalidation and clear() through the store's marks", async () => {
    const { a, fresh } = apps();
    const both = ['tagged-1', 'tagged-2'];
    await read(a, both);
    await landed(fresh, both);
    const runs = a.prices.runs;
    await a.registry.invalidate({ tags: ['sku:tagged-1'] });
    const c = fresh();
    expect(await read(c, both)).toBe(0);
    expect(c.prices.runs).toBe(1); // tagged-1 recomputed, tagged-2 read from the store
    // The recomputed value is shared back: the invalidating registry reads it from the store.
    await landed(fresh, ['tagged-1']);
    expect(await a.prices.price('tagged-1')).toBe('price of tagged-1 #1');
    expect(a.prices.runs).toBe(runs);

    await control(c.prices, 'price').clear();
    const d = fresh();
    expect(await read(d, both)).toBe(0);
    expect(d.prices.runs).toBe(2);
    expect([...a.errors, ...c.errors, ...d.errors]).toEqual([]);
  });
}

describePrivateRedis('redisStore({ client }) on a Redis Cluster', () => {
  let cluster: PrivateCluster;
  let client: ReturnType<typeof createCluster>;
  let other: ReturnType<typeof createCluster>;
  const registries: Hotpath[] = [];
  const namespace = `hotpath-test:${process.pid}`;

  /** A registry with its own store on `on`. */
  const app = (on = client): App => appOn(on, namespace, registries);

  let apps: [App];
  beforeAll(async () => {
    cluster = await PrivateCluster.start();
    const rootNodes = cluster.ports.map((port) => ({ url: `redis://127.0.0.1:${port}` }));
    client = createCluster({ rootNodes });
    other = createCluster({ rootNodes });
    for (const c of [client, other]) c.on('error', () => {});
    await Promise.all([client.connect(), other.connect()]);
    apps = [app(client)];
  }, 60_000);
  afterAll(async () => {
    await Promise.all(registries.map((r) => r.shutdown()));
    for (const c of [client, other]) c?.destroy();
    await cluster?.stop();
  });

  sharedBehaviour(() => ({ a: apps[0], fresh: () => app(other) }));

  it('sends only single-key commands (no SCAN, no multi-key command across slots)', async () => {
    const masters = await cluster.masters();
    const admin = await Promise.all(
      masters.map((port) => createClient({ url: `redis://127.0.0.1:${port}` }).connect()),
    );
    try {
      await Promise.all(admin.map((c) => c.configResetStat()));
      const [a] = apps;
      await read(
        a,
        SKUS.map((s) => `single-${s}`),
      );
      await a.registry.invalidate({ tags: ['prices'] });
      await control(a.prices, 'price').clear();
      await read(
        app(),
        SKUS.map((s) => `single-${s}`),
      );
      const commands = new Set<string>();
      const perMaster: number[] = [];
      for (const c of admin) {
        const stats = await c.info('commandstats');
        const names = [...stats.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)];
        for (const [, name] of names) commands.add(name!);
        perMaster.push(
          names.filter(([, n]) => n === 'get' || n === 'set').reduce((s, [, , k]) => s + +k!, 0),
        );
      }
      // Topology reads (CLUSTER), replication and this test's INFO/CONFIG aside: GET and SET
      // only (`clear()` and tags write marks; an entry is deleted only for `{ namespace, key }`).
      const data = [...commands].filter(
        (c) => !/^(cluster|info|config|client|hello|ping|replconf|psync|command)/.test(c),
      );
      expect(data.sort()).toEqual(['get', 'set']);
      // The entries are spread over every master.
      for (const n of perMaster) expect(n).toBeGreaterThan(0);
    } finally {
      await Promise.all(admin.map((c) => c.close()));
    }
  });

  it('adds no listener to the client that outlives its stores, and never closes it', async () => {
    const before = ['error', 'node-error', 'connect', 'disconnect', 'reconnecting'].map((e) =>
      client.listenerCount(e),
    );
    for (let i = 0; i < 20; i++) {
      const store = redisStore({ client, namespace });
      await store.get('probe');
      await store.disconnect();
    }
    const after = ['error', 'node-error', 'connect', 'disconnect', 'reconnecting'].map((e) =>
      client.listenerCount(e),
    );
    expect(after).toEqual(before);
    await client.set(`${namespace}::still-open`, 'yes');
    expect(await client.get(`${namespace}::still-open`)).toBe('yes');
  });

  it('loses no call when a master is killed, and caches again after its replica took over', async () => {
    const [a] = apps;
    const store = redisStore({ client, namespace });
    // keyv itself also emits each failed `set` on `error`: count the store's own reports.
    const reports: string[] = [];
    store.on('error', (e: Error) => {
      if (e.message.startsWith('lost the connection')) reports.push(e.message);
    });
    // A key the killed master serves: the store answers it again once the replica serves it.
    const probe = 'failover-probe';
    const killed = await cluster.masterOf(`${namespace}::${probe}`);
    let killedAt = 0;
    let recoveredMs = 0;
    let healthyMs = 0;
    const run = await callThrough(a, async () => {
      await sleepMs(300);
      killedAt = Date.now();
      await cluster.kill(killed);
      const healthy = cluster.waitHealthy(30_000).then(() => (healthyMs = Date.now() - killedAt));
      expect(await eventually(() => storeAnswers(store, probe), 30_000, 50)).toBe(true);
      recoveredMs = Date.now() - killedAt;
      await healthy;
      await sleepMs(300);
    });
    expect(run.failed).toBe(0);
    // Each store step of a call is bounded by storeTimeout (1 s); generous for a loaded machine.
    expect(run.longest).toBeLessThan(5_000);
    // One report for the outage (its first sign), not one per refused command.
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports.length).toBeLessThanOrEqual(2);
    // Caching resumed: values computed now are read back from the store by another registry.
    const after = SKUS.map((s) => `after-${s}`);
    expect(await read(a, after)).toBe(0);
    await landed(() => app(other), after);
    process.stdout.write(
      `cluster failover: master ${killed} killed; cluster healthy after ${healthyMs} ms, the store answered its keys again after ${recoveredMs} ms; ${run.calls} calls, ${run.failed} failed, longest ${Math.round(run.longest)} ms; ${reports.length} report(s): ${reports[0]}\n`,
    );
    await store.disconnect();
  }, 60_000);
});

describePrivateRedis('redisStore({ client }) behind Redis Sentinel', () => {
  let sentinel: PrivateSentinel;
  let client: ReturnType<typeof createSentinel>;
  let other: ReturnType<typeof createSentinel>;
  const registries: Hotpath[] = [];
  const namespace = `hotpath-test:${process.pid}`;

  const app = (on = client): App => appOn(on, namespace, registries);

  let apps: [App];
  beforeAll(async () => {
    sentinel = await PrivateSentinel.start();
    const options = { name: SENTINEL_MASTER, sentinelRootNodes: sentinel.sentinels };
    client = createSentinel(options);
    other = createSentinel(options);
    for (const c of [client, other]) c.on('error', () => {});
    await Promise.all([client.connect(), other.connect()]);
    apps = [app(client)];
  }, 60_000);
  afterAll(async () => {
    await Promise.all(registries.map((r) => r.shutdown()));
    await Promise.all([client, other].map((c) => c?.destroy()));
    await sentinel?.stop();
  });

  sharedBehaviour(() => ({ a: apps[0], fresh: () => app(other) }));

  it('loses no call when the master fails over, and caches again after', async () => {
    const [a] = apps;
    const store = redisStore({ client, namespace });
    let promoted = 0;
    let recoveredMs = 0;
    let promotedMs = 0;
    const run = await callThrough(a, async () => {
      await sleepMs(300);
      const killedAt = Date.now();
      promoted = await sentinel.failover();
      promotedMs = Date.now() - killedAt;
      expect(await eventually(() => storeAnswers(store, 'probe'), 30_000, 50)).toBe(true);
      recoveredMs = Date.now() - killedAt;
      await sleepMs(300);
    });
    expect(run.failed).toBe(0);
    expect(run.longest).toBeLessThan(5_000);
    const after = SKUS.map((s) => `after-${s}`);
    expect(await read(a, after)).toBe(0);
    await landed(() => app(other), after);
    process.stdout.write(
      `sentinel failover: ${promoted} promoted after ${promotedMs} ms, the store answered again after ${recoveredMs} ms; ${run.calls} calls, ${run.failed} failed, longest ${Math.round(run.longest)} ms\n`,
    );
    await store.disconnect();
  }, 60_000);
});
