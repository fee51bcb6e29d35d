/**
 * `@rateLimit` local engine, per call when no waiting is needed, beside a default Bottleneck
 * limiter (`new Bottleneck()`, `.schedule()`) and the undecorated method. Target: the local engine
 * must be >= 1000x faster per call than Bottleneck (it is meant for hot paths).
 */
import Bottleneck from 'bottleneck';
import { bindHotpath, createHotpath, rateLimit } from '../src/index.js';
import { check, compare } from './harness.js';

const registry = createHotpath({ name: 'bench' });

// Limits far above what the bench can reach: every call is admitted at once.
class Api {
  async plain(): Promise<number> {
    return 1;
  }

  @rateLimit({ limit: 1_000_000_000, interval: '1s' })
  async sliding(): Promise<number> {
    return 1;
  }

  @rateLimit({ algorithm: 'token-bucket', limit: 1_000_000_000, interval: '1s' })
  async bucket(): Promise<number> {
    return 1;
  }

  @rateLimit({ limit: 1_000_000_000, interval: '1s', maxConcurrent: 1_000_000 })
  async concurrent(): Promise<number> {
    return 1;
  }
}

const api = bindHotpath(new Api(), registry);
const limiter = new Bottleneck();
const job = async (): Promise<number> => 1;

const result = await compare(
  '@rateLimit local engine (no waiting) vs Bottleneck',
  [
    { name: 'undecorated async method', fn: () => api.plain(), baseline: true },
    { name: '@rateLimit sliding window', fn: () => api.sliding() },
    { name: '@rateLimit token bucket', fn: () => api.bucket() },
    { name: '@rateLimit sliding window + maxConcurrent', fn: () => api.concurrent() },
    { name: 'Bottleneck default, schedule()', fn: () => limiter.schedule(job) },
  ],
  { rounds: 3 },
);

const local = result.get('@rateLimit sliding window').medianNs;
const bottleneck = result.get('Bottleneck default, schedule()').medianNs;
const overhead = local - result.get('undecorated async method').medianNs;
console.log(
  `\nlocal engine: ${local.toFixed(0)} ns/call (${overhead.toFixed(0)} ns over the undecorated call); ` +
    `Bottleneck: ${(bottleneck / 1e3).toFixed(0)} µs/call; ratio ${(bottleneck / local).toFixed(0)}x`,
);
check('@rateLimit local engine vs Bottleneck (x faster)', bottleneck / local, '>=', 1000, 'x');
check('@rateLimit local engine per call', local, '<', 1000, 'ns');
await limiter.stop();
