/**
 * Reading through Redis: `@cached({ store: 'redis' })` over `redisStore()` beside cache-manager
 * (keyv + `@keyv/redis`, `wrap`), against a private `redis-server` of this bench's own on a free
 * loopback port (never the shared one), the same value and the same ttl on both sides.
 *
 * The memory tier is cold: `max: 1` and ids cycling over 1 000 keys, so every read goes to Redis
 * (an L1 hit is measured in realistic.bench.ts). Both sides are filled first, so every read is a
 * Redis hit. Measured in interleaved rounds (bench/rounds.ts): 100 reads in flight, and one read
 * at a time; wall time per read (its inverse is the throughput) and CPU time per read, which on
 * a shared machine is the steadier figure. Targets: throughput with 100 in flight >= 1.2x
 * cache-manager's, CPU per read <= cache-manager's.
 */
import KeyvRedis, { Keyv } from '@keyv/redis';
import { createCache } from 'cache-manager';
import { bindHotpath, cached, createHotpath } from '../src/index.js';
import { redisStore } from '../src/redis/index.js';
import { PrivateRedis } from '../test/helpers/private-redis.js';
import { check, environmentHeader } from './harness.js';
import { interleaved } from './rounds.js';

if (process.env.HOTPATH_BENCH_HEADER !== 'printed') console.log(`${environmentHeader()}\n`);

const KEYS = 1_000;
const TTL_MS = 5 * 60_000;
const IN_FLIGHT = 100;

interface User {
  id: number;
  name: string;
  email: string;
  roles: string[];
  createdAt: string;
  active: boolean;
}
const load = (id: number): User => ({
  id,
  name: `User number ${id}`,
  email: `user${id}@example.com`,
  roles: ['reader', 'writer', 'admin'].slice(0, (id % 3) + 1),
  createdAt: new Date(Date.UTC(2026, 0, 1 + (id % 365))).toISOString(),
  active: id % 2 === 0,
});

const redis = await PrivateRedis.start();
try {
  const registry = createHotpath({
    name: 'bench',
    stores: { redis: redisStore(redis.url, { namespace: 'hotpath-bench' }) },
  });
  class Users {
    @cached({ store: 'redis', ttl: TTL_MS, max: 1 })
    async get(id: number): Promise<User> {
      return load(id);
    }
  }
  const users = bindHotpath(new Users(), registry);

  const keyv = new Keyv({
    store: new KeyvRedis(redis.url),
    namespace: 'cache-manager-bench',
  });
  const cacheManager = createCache({ stores: [keyv] });
  const cmGet = (id: number): Promise<User> =>
    cacheManager.wrap(`user:${id}`, async () => load(id), TTL_MS);

  // Fill both sides: every measured read is a Redis hit.
  for (let id = 0; id < KEYS; id++) {
    await users.get(id);
    await cmGet(id);
  }

  const concurrently = async (n: number, read: (id: number) => Promise<unknown>): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < n) await read(next++ % KEYS);
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  };
  const sequentially = async (n: number, read: (id: number) => Promise<unknown>): Promise<void> => {
    for (let i = 0; i < n; i++) await read(i % KEYS);
  };

  const inFlight = await interleaved(
    `reads through Redis, ${IN_FLIGHT} in flight, cold memory tier`,
    [
      { name: 'cache-manager wrap (keyv + @keyv/redis)', run: (n) => concurrently(n, cmGet) },
      {
        name: "@cached({ store: 'redis' }) over redisStore()",
        vs: 'cache-manager wrap (keyv + @keyv/redis)',
        run: (n) => concurrently(n, (id) => users.get(id)),
      },
    ],
    { rounds: Number(process.env.HOTPATH_BENCH_ROUNDS ?? 7), ops: 5_000 },
  );
  const oneAtATime = await interleaved(
    'reads through Redis, one at a time, cold memory tier',
    [
      { name: 'cache-manager wrap, sequential', run: (n) => sequentially(n, cmGet) },
      {
        name: '@cached over redisStore(), sequential',
        vs: 'cache-manager wrap, sequential',
        run: (n) => sequentially(n, (id) => users.get(id)),
      },
    ],
    { rounds: Number(process.env.HOTPATH_BENCH_ROUNDS ?? 7), ops: 1_000 },
  );

  const row = inFlight.get("@cached({ store: 'redis' }) over redisStore()")!;
  const anchor = inFlight.get(row.vs!)!;
  const seq = oneAtATime.get('@cached over redisStore(), sequential')!;
  console.log(
    `\nthroughput, ${IN_FLIGHT} in flight: hotpath ${(1e9 / row.wallNs).toFixed(0)} reads/s, ` +
      `cache-manager ${(1e9 / anchor.wallNs).toFixed(0)} reads/s; CPU per read ${(row.cpuNs / 1e3).toFixed(1)} µs vs ${(anchor.cpuNs / 1e3).toFixed(1)} µs`,
  );
  check(
    'Redis reads, 100 in flight: throughput vs cache-manager',
    1 / row.wallRatio!,
    '>=',
    1.2,
    'x',
  );
  check('Redis reads, 100 in flight: CPU per read vs cache-manager', row.cpuRatio!, '<=', 1);
  check('Redis reads, one at a time: CPU per read vs cache-manager', seq.cpuRatio!, '<=', 1);

  await registry.shutdown();
  await keyv.disconnect();
} finally {
  await redis.kill();
}
