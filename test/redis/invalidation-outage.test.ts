/**
 * Invalidations through Redis outages, and bookkeeping Redis loses, against a private
 * redis-server with an append-only file (a killed server restarts with its old data): an
 * invalidation accepted while Redis is down or frozen is written when it answers, before the
 * writer reads from it, whatever its circuit breaker says; a process that saw Redis go away
 * does not trust entries from before it came back; a missing mark (FLUSHALL, eviction under
 * `maxmemory` + `allkeys-lru`) never makes an older entry valid again.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { bindHotpath, cached, createHotpath, withBreaker, type Hotpath } from '../../src/index.js';
import { RedisBus, redisStore } from '../../src/redis/index.js';
import { describePrivateRedis, PrivateRedis } from '../helpers/redis-server.js';
import { eventually } from '../helpers/eventually.js';
import { sleepMs } from '../helpers/time.js';

/** The "database": the current version of each record. */
const db = new Map<string, number>();

/** Lets a test hold a computation until it says so. */
let gate: Promise<void> | undefined;

class Records {
  @cached({ store: 'redis', storeTimeout: 250, tags: () => ['records'] })
  async record(id: string): Promise<{ id: string; version: number }> {
    const version = db.get(id) ?? 0;
    if (gate) await gate;
    return { id, version };
  }
}

describePrivateRedis('invalidations through Redis outages (private redis-server, AOF)', () => {
  let server: PrivateRedis;
  let dir: string;
  let raw: Redis;
  const registries: Hotpath[] = [];
  let run = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hotpath-inval-'));
    server = await PrivateRedis.start({ dir });
    raw = new Redis(server.url, { maxRetriesPerRequest: null });
    raw.on('error', () => {});
  }, 10_000);

  afterAll(async () => {
    await Promise.all(registries.map((r) => r.shutdown()));
    raw.disconnect();
    await server.kill();
    await rm(dir, { recursive: true, force: true });
  }, 20_000);

  /**
   * The processes of one test: each a registry with its own bus on one keyv namespace. (In one
   * Jest process they share the store's connection, as stores of one URL do.)
   */
  function scenario(breaker: { failures: number; cooldown?: string } = { failures: Infinity }) {
    const namespace = `t${++run}`;
    const channel = `hotpath-test:${namespace}`;
    const errors: string[] = [];
    const start = (name: string): { registry: Hotpath; bus: RedisBus; records: Records } => {
      const bus = new RedisBus({ url: server.url, channel, onError: () => {} });
      const registry = createHotpath({
        name,
        stores: { redis: withBreaker(redisStore(server.url, { namespace }), breaker) },
        bus,
      });
      registry.on('error', (e) => void errors.push(`${name}: ${e.message}`));
      registries.push(registry);
      return { registry, bus, records: bindHotpath(new Records(), registry) };
    };
    return { start, errors, namespace };
  }

  /**
   * A writer and a reader process; `id` at version 1, cached in Redis (the tag was used before)
   * and in the reader's memory.
   */
  async function writerAndReader(id: string, breaker?: { failures: number; cooldown?: string }) {
    const { start, errors, namespace } = scenario(breaker);
    const writer = start('writer');
    const reader = start('reader');
    await Promise.all([writer.bus.ready(), reader.bus.ready()]);
    db.set(id, 1);
    await writer.registry.invalidate({ tags: ['records'] });
    await sleepMs(2);
    expect(await reader.records.record(id)).toEqual({ id, version: 1 });
    // Written to Redis in the background: wait for it (the AOF then has it too).
    const written = async (): Promise<boolean> =>
      (await raw.keys(`${namespace}::hotpath:Records.record#*'${id}`)).length > 0;
    expect(await eventually(written, 2_000)).toBe(true);
    return { writer, reader, start, errors };
  }

  /**
   * Kills Redis, runs `whileDown`, restarts it from its append-only file, and waits until this
   * process's store connection is back (before that, reads fail and compute: nothing to judge).
   */
  async function outage(whileDown: () => Promise<void>): Promise<void> {
    await server.kill();
    await whileDown();
    await server.start();
    const probe = redisStore(server.url, { namespace: 'probe' });
    try {
      const answers = async (): Promise<boolean> =>
        probe.get('x').then(
          () => true,
          () => false,
        );
      expect(await eventually(answers, 5_000)).toBe(true);
    } finally {
      await probe.disconnect();
    }
  }

  it('writes an invalidation accepted while Redis was down as soon as it answers, before the writer reads it', async () => {
    const { writer, reader, start } = await writerAndReader('a');

    await outage(async () => {
      db.set('a', 2);
      await writer.registry.invalidate({ tags: ['records'] });
    });
    // Redis is back with its old data (version 1 and the tag's old mark). The writer's first
    // read after it answers already sees the invalidation.
    expect(await writer.records.record('a')).toEqual({ id: 'a', version: 2 });
    // So does a process started now, that never saw Redis go away.
    const late = start('late');
    expect(await late.records.record('a')).toEqual({ id: 'a', version: 2 });
    // And the reader, once its bus is back (it dropped its memory tier then).
    expect(await reader.bus.ready(5_000)).toBe(true);
    expect(await reader.records.record('a')).toEqual({ id: 'a', version: 2 });
    expect(writer.registry.stats().invalidations).toEqual({
      redis: { pending: 0, replayed: 1, overflows: 0 },
    });
  }, 20_000);

  it('never lets the circuit breaker drop an invalidation: it is written when Redis answers again', async () => {
    const { writer, reader, errors, start } = await writerAndReader('b', {
      failures: 2,
      cooldown: '1m',
    });

    server.pause();
    try {
      // Reads time out: the writer's breaker opens for a minute.
      const opened =
        "writer: @cached on Records.record: store 'redis' failed 2 times in a row; skipping it for 60000 ms";
      for (let i = 0; i < 5 && !errors.includes(opened); i++) {
        await writer.records.record(`other${i}`);
        await eventually(() => errors.includes(opened), 300);
      }
      expect(errors).toContain(opened);
      db.set('b', 2);
      await writer.registry.invalidate({ tags: ['records'] });
    } finally {
      server.resume();
    }
    // Written within moments of the thaw (the breaker alone would have skipped it for a minute).
    const invalidations = (): { redis: { pending: number } } | undefined =>
      writer.registry.stats().invalidations as { redis: { pending: number } } | undefined;
    await eventually(() => invalidations()?.redis.pending === 0, 5_000);
    const late = start('late');
    expect(await late.records.record('b')).toEqual({ id: 'b', version: 2 });
    expect(await reader.records.record('b')).toEqual({ id: 'b', version: 2 });
    expect(writer.registry.stats().invalidations).toEqual({
      redis: { pending: 0, replayed: 1, overflows: 0 },
    });
  }, 20_000);

  it('does not trust entries older than a restart it saw, even when the writer died before writing its invalidation', async () => {
    const { writer, reader, errors } = await writerAndReader('c');

    await outage(async () => {
      db.set('c', 2);
      await writer.registry.invalidate({ tags: ['records'] });
      // The writer goes away before Redis is back: its invalidation is lost (and reported).
      await writer.registry.shutdown();
    });
    // Redis restarted from its append-only file, which predates the invalidation: the reader
    // saw it go away and recomputes what was written before it came back.
    expect(await reader.bus.ready(5_000)).toBe(true);
    expect(await reader.records.record('c')).toEqual({ id: 'c', version: 2 });
    expect(errors).toContain(
      "writer: registry.invalidate: store 'redis' did not take 1 invalidation before shutdown; they are lost (entries they concern stay until their ttl)",
    );
  }, 20_000);

  it('never counts an entry written after FLUSHALL as valid when it was computed before an invalidation the flush erased', async () => {
    const { writer, reader, start } = await writerAndReader('d');

    // The reader computes version 1 of a new record slowly; meanwhile the writer commits
    // version 2 and invalidates, and Redis is flushed (the tag's mark is gone); then the slow
    // value lands.
    db.set('d2', 1);
    let release!: () => void;
    gate = new Promise<void>((r) => (release = r));
    const slow = reader.records.record('d2');
    try {
      await sleepMs(20);
      db.set('d2', 2);
      await writer.registry.invalidate({ tags: ['records'] });
      expect(await server.flushAll()).toBe(true);
    } finally {
      gate = undefined;
      release();
    }
    expect(await slow).toEqual({ id: 'd2', version: 1 });
    await sleepMs(50);
    const late = start('late');
    expect(await late.records.record('d2')).toEqual({ id: 'd2', version: 2 });
  }, 20_000);

  it('never resurrects entries when allkeys-lru evicts the namespace and tag marks', async () => {
    const { start, namespace } = scenario();
    const writer = start('writer');
    await writer.bus.ready();
    const ids = Array.from({ length: 100 }, (_, i) => `e${i}`);
    for (const id of ids) db.set(id, 1);
    // Cached in Redis (the tag was used before: a warm-up computes once).
    await writer.records.record('warm-up');
    await sleepMs(2);
    const reader = start('reader');
    await Promise.all(ids.map((id) => reader.records.record(id)));
    const entryKeys = async (): Promise<string[]> =>
      raw.keys(`${namespace}::hotpath:Records.record#*`);
    expect(await eventually(async () => (await entryKeys()).length >= ids.length / 2, 5_000)).toBe(
      true,
    );
    // The entries as Redis holds them, to put back those the LRU takes along with the marks.
    const saved = new Map<string, Buffer>();
    for (const key of await entryKeys()) saved.set(key, await raw.dumpBuffer(key));

    // Other data fills the memory (written before the invalidations: older than the marks).
    const junk = 'x'.repeat(64 * 1024);
    const fill = raw.pipeline();
    for (let i = 0; i < 96; i++) fill.set(`${namespace}:junk:${i}`, junk);
    await fill.exec();

    // Version 2 everywhere: a namespace clear and a tag invalidation.
    for (const id of ids) db.set(id, 2);
    await writer.registry.invalidate({ namespace: 'Records.record' });
    await writer.registry.invalidate({ tags: ['records'] });

    // Memory runs out under allkeys-lru while the entries stay in use: the least recently used
    // keys go (Redis's LRU clock ticks once a second: let the marks and the junk age 2 s). Lower
    // the limit step by step until no bookkeeping key is left (anything not an entry).
    await sleepMs(2_200);
    await raw.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await raw.config('SET', 'maxmemory-samples', '10');
    const bookkeeping = async (): Promise<string[]> =>
      (await raw.keys(`${namespace}::hotpath:*`)).filter((k) => !k.includes('Records.record#'));
    try {
      let evicted = false;
      for (let step = 0; step < 200 && !evicted; step++) {
        const keys = await entryKeys();
        if (keys.length > 0) await raw.mget(...keys);
        const used = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))![1]);
        await raw.config('SET', 'maxmemory', String(used - 64 * 1024));
        // Evicts down to the limit; OOM when memory other than keys (buffers) is above it.
        await raw.set(`${namespace}:tick`, String(step)).catch(() => undefined);
        evicted = (await bookkeeping()).length === 0;
      }
      expect(evicted).toBe(true);
      // Entries of version 1 are still there: without the marks, nothing says they are stale.
      // Which entries the LRU sampling takes along with the marks varies from run to run (on a
      // loaded machine, all of them): put back the ones it took, byte for byte, so every run
      // asks the same question of all 100.
      await raw.config('SET', 'maxmemory', '0');
      const left = new Set(await entryKeys());
      for (const [key, dump] of saved) if (!left.has(key)) await raw.restore(key, 0, dump);
      expect((await entryKeys()).length).toBe(saved.size);
      expect(await bookkeeping()).toEqual([]);

      // A process that never read the marks: not one entry of version 1 comes back.
      const late = start('late');
      const versions = await Promise.all(
        ids.map(async (id) => (await late.records.record(id)).version),
      );
      expect(versions.filter((v) => v !== 2)).toEqual([]);
    } finally {
      await raw.config('SET', 'maxmemory', '0');
      await raw.config('SET', 'maxmemory-policy', 'noeviction');
    }
  }, 30_000);
});
