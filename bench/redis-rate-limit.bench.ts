/**
 * Clustered rate limiting, per call, on one Redis in one run: hotpath's native engine
 * (`engine: 'redis'`, sliding window, and with `maxConcurrent`), hotpath's Bottleneck engine
 * (Bottleneck clustering over ioredis) and rate-limiter-flexible's `RateLimiterRedis`
 * (`consume()`, a fixed-window counter: the cheapest thing a clustered limiter can do, and not an
 * exact sliding window). Limits far above what the bench reaches: every call is admitted, so
 * this is the cost of one decision (Redis round trips included), one call at a time.
 *
 * Needs Redis at `REDIS_URL` (default redis://127.0.0.1:6379); its keys are removed afterwards.
 * A local round trip is tens of microseconds, so the figures say how many round trips and how
 * much script work each limiter spends per call. No target: they depend on the network.
 */
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { bindHotpath, createHotpath, rateLimit } from '../src/index.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const client = new Redis(url);
const run = `hotpath-bench-${process.pid}`;
const { hostname, port } = new URL(url);
const registry = createHotpath({ name: 'bench-redis' });
const LIMIT = 1_000_000_000;

class Api {
  @rateLimit({ limit: LIMIT, engine: 'redis', redis: { client, key: `${run}-sw` } })
  async native(): Promise<number> {
    return 1;
  }

  @rateLimit({
    limit: LIMIT,
    maxConcurrent: 1_000_000,
    engine: 'redis',
    redis: { client, key: `${run}-mc` },
  })
  async nativeConcurrent(): Promise<number> {
    return 1;
  }

  @rateLimit({
    maxConcurrent: 1_000_000,
    engine: 'bottleneck',
    bottleneck: {
      id: `${run}-bn`,
      datastore: 'ioredis',
      clientOptions: { host: hostname, port: Number(port || 6379) },
    },
  })
  async bottleneck(): Promise<number> {
    return 1;
  }
}

const api = bindHotpath(new Api(), registry);
const flexible = new RateLimiterRedis({
  storeClient: client,
  keyPrefix: `${run}-rlf`,
  points: LIMIT,
  duration: 1,
});

const cases: [string, () => Promise<unknown>][] = [
  ["hotpath engine: 'redis' (sliding window)", () => api.native()],
  ["hotpath engine: 'redis' + maxConcurrent", () => api.nativeConcurrent()],
  ["hotpath engine: 'bottleneck' (clustered)", () => api.bottleneck()],
  ['rate-limiter-flexible RateLimiterRedis.consume()', () => flexible.consume('k')],
];

/** Median µs per call over `rounds` rounds of `n` sequential calls. */
async function measure(fn: () => Promise<unknown>, n: number, rounds: number): Promise<number> {
  for (let i = 0; i < 200; i++) await fn(); // warm-up: scripts loaded, connections open
  const perCall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    perCall.push(((performance.now() - t0) * 1_000) / n);
  }
  perCall.sort((a, b) => a - b);
  return perCall[Math.floor(rounds / 2)]!;
}

console.log(
  'Clustered rate limiting on one Redis, one call at a time (median of 5 rounds of 2000)',
);
const results: [string, number][] = [];
for (const [name, fn] of cases) results.push([name, await measure(fn, 2_000, 5)]);
const width = Math.max(...results.map(([name]) => name.length));
for (const [name, us] of results) console.log(`${name.padEnd(width)}  ${us.toFixed(1)} µs/call`);

await registry.shutdown();
const keys = await client.keys(`*${run}*`);
if (keys.length > 0) await client.del(...keys);
client.disconnect();
