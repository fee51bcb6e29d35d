/**
 * Suites that need a private `redis-server` (see `private-redis.ts`): never the shared one on
 * 6379, which other suites (and engineers) use.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { describeRedis } from './services.js';
import { PrivateRedis } from './private-redis.js';

export { PrivateRedis, freePort } from './private-redis.js';

/** Whether a `redis-server` binary can be started from this process. */
const HAS_REDIS_SERVER = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * A suite that starts its own `redis-server` (chaos, restarts, start-up). It runs with the
 * Redis suites (`REDIS_URL` set, as `.ci/run` does) and needs the binary on the `PATH`;
 * otherwise it is reported as skipped with the reason, never as passed.
 */
export function describePrivateRedis(name: string, body: () => void): void {
  if (!HAS_REDIS_SERVER) {
    describe.skip(`[skipped: no redis-server on the PATH] ${name}`, () => {
      it.skip('needs redis-server', () => {});
    });
    return;
  }
  describeRedis(name, () => body());
}

/**
 * Starts a private server before the suite's tests and kills it after them; returns a getter for
 * it (call inside tests and hooks). Use inside {@link describePrivateRedis}.
 */
export function usePrivateRedis(): () => PrivateRedis {
  let server: PrivateRedis | undefined;
  beforeAll(async () => {
    server = await PrivateRedis.start();
  }, 10_000);
  afterAll(async () => {
    await server?.kill();
  });
  return () => server!;
}
