/**
 * `@rateLimit(options)`: at most `limit` starts per `interval` (a sliding window, or a token
 * bucket), `maxConcurrent` in flight and `minTime` between starts; calls over the limit wait in a
 * FIFO queue with priorities, or reject with `RateLimitError`. External limits are never exceeded.
 *
 * Budgets: per instance by default (per `call.owner`), per key with `key` (keyed-engines.ts), or
 * shared by every method and instance naming a registry limiter (`limiter: 'github'`,
 * named-limiters.ts); own-limit.ts and shared-limit.ts find a call's budget. Engines (engine.ts):
 * the local one (local-engine.ts, with a sliding window or a token bucket: rate-algorithm.ts) or
 * Bottleneck (bottleneck-engine.ts), for limits shared across processes.
 *
 * Events on the `hotpath:event` channel (decorator `'rateLimit'`):
 * - `started` — a call started (at once or after waiting);
 * - `queued` — a call had to wait (`queued`: queue length, `priority`);
 * - `rejected` — a call was refused (`reason`: `'limit'` (onLimit 'reject'), `'queue-full'`,
 *   `'dropped'` (Bottleneck dropped it) or `'error'` (Redis unreachable); `retryAfter` in ms).
 *
 * `stats()` (per method, under `rateLimit`): `started`, `queued` (waiting now), `rejected`,
 * `waits` (calls that waited), `waitedMs` (their total wait), `meanWaitMs`, and `running` when
 * completions are tracked (`maxConcurrent`, or the Bottleneck engine).
 *
 * `shutdown()` (its `stop` phase): waiting calls reject with `E_SHUTDOWN`; limiters stop once the
 * calls in flight finished (Bottleneck limiters are stopped, and disconnected when hotpath built them).
 */
import { createDecorator, type HotpathDecorator } from '../core/intercept.js';
import type { Invoke, SiteInfo } from '../core/site.js';
import { RateLimitFigures } from './figures.js';
import { resolveRateLimitOptions, type RateLimitOptions } from './options.js';
import { ownLimitInvoker } from './own-limit.js';
import { sharedLimitInvoker } from './shared-limit.js';
import { SiteContexts } from './site-contexts.js';

/**
 * Limits how often (and how many at once) the decorated async method runs. See
 * {@link RateLimitOptions}: `limit` per `interval` (sliding window, or `algorithm:
 * 'token-bucket'` with `burst`), `maxConcurrent`, `minTime`, `key`, `limiter`, `onLimit`
 * (`'queue'` | `'reject'`), `maxQueue`, `priority`, `engine` (`'local'` | `'bottleneck'`).
 *
 * Only for methods returning a Promise (a compile error otherwise, in both decorator modes).
 * Bad options throw a `TypeError` when the class is defined.
 *
 * Cost (local engine, no wait needed): one WeakMap lookup for the instance's budget, one
 * clock reading and a ring-buffer write; the method's own promise is returned as is. With
 * `maxConcurrent`, one `then` on it to count completions. Waiting calls cost a promise each and
 * one timer per budget.
 *
 * @example
 * class GitHub {
 *   @rateLimit({ limit: 5000, interval: '1h', maxConcurrent: 10 })
 *   async getRepo(name: string): Promise<Repo> { ... }
 * }
 */
export function rateLimit(
  options: RateLimitOptions,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): HotpathDecorator<(...args: any[]) => Promise<unknown>> {
  return createDecorator({
    name: 'rateLimit',
    layer(decoration) {
      const resolved = resolveRateLimitOptions(decoration, options);
      const contexts = new SiteContexts(resolved);
      return {
        decorator: 'rateLimit',
        async: true,
        wrap(inner: Invoke, site: SiteInfo): Invoke {
          return resolved.limiter !== undefined
            ? sharedLimitInvoker(inner, site, resolved, contexts)
            : ownLimitInvoker(inner, site, resolved, contexts);
        },
        control: {
          stats(ctx) {
            return ctx.runtime.metric(ctx.site, 'rateLimit', () => new RateLimitFigures()).toJSON();
          },
        },
      };
    },
  });
}
