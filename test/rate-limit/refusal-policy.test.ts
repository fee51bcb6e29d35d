/**
 * `RateLimitError.policy`: the budget that refused a call (`{ limit, interval }`, what HTTP's
 * `RateLimit-Policy` states), from the in-process engine and the Redis engine; none for a
 * concurrency-only limit.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RateLimitError, rateLimit } from '../../src/index.js';
import { describeRedis } from '../helpers/services.js';

async function refusalOf(call: () => Promise<unknown>): Promise<RateLimitError> {
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RateLimitError);
  return error as RateLimitError;
}

describe('RateLimitError.policy', () => {
  it('states the local limit that refused the call', async () => {
    const limited = rateLimit({ limit: 2, interval: '1m', onLimit: 'reject' })(async () => 'ok');
    await limited();
    await limited();
    expect((await refusalOf(limited)).policy).toEqual({ limit: 2, interval: 60_000 });
  });

  it('is undefined for a concurrency-only limit', async () => {
    let release: () => void = () => {};
    const limited = rateLimit({ maxConcurrent: 1, onLimit: 'reject' })(
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    const running = limited();
    expect((await refusalOf(limited)).policy).toBeUndefined();
    release();
    await running;
  });
});

describeRedis('RateLimitError.policy, Redis engine', (url) => {
  const client = new Redis(url);
  afterAll(async () => {
    await client.quit();
  });

  it('states the shared limit that refused the call', async () => {
    const limited = rateLimit({
      limit: 1,
      interval: '1m',
      onLimit: 'reject',
      engine: 'redis',
      redis: { client, key: `policy-test:${process.pid}:${Date.now()}` },
    })(async () => 'ok');
    await limited();
    expect((await refusalOf(limited)).policy).toEqual({ limit: 1, interval: 60_000 });
  });
});
