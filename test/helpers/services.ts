/**
 * `describe` wrappers for suites that need a real service. Without the service's URL the
 * suite is reported as skipped with the reason in its name, never as passed.
 *
 * ```ts
 * describeRedis('RedisBus', (url) => { ... });
 * ```
 * `.ci/run` starts Redis and PostgreSQL and exports `REDIS_URL` and `POSTGRES_URL`.
 */
import { describe, it } from '@jest/globals';

type SuiteBody = (url: string) => void;

function describeService(variable: string, name: string, body: SuiteBody): void {
  const url = process.env[variable];
  if (url === undefined || url === '') {
    describe.skip(`[skipped: ${variable} not set] ${name}`, () => {
      // A skipped block with no test in it does not show up in Jest's output at all.
      it.skip(`needs ${variable}`, () => {});
    });
    return;
  }
  describe(name, () => body(url));
}

/** A suite that needs Redis at `REDIS_URL` (e.g. `redis://127.0.0.1:6379`). */
export function describeRedis(name: string, body: SuiteBody): void {
  describeService('REDIS_URL', name, body);
}

/** A suite that needs PostgreSQL at `POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`). */
export function describePostgres(name: string, body: SuiteBody): void {
  describeService('POSTGRES_URL', name, body);
}
