/**
 * What a Redis engine does with a call when Redis did not answer within `redisTimeout`
 * (`redis.whenUnreachable`): `'fail-open'` runs it on this process's own limit (a local engine
 * made on first need, which counts it from there), `'fail-closed'` refuses it with `E_STORE`.
 */
import { publishEvent } from '../core/channels.js';
import type { Call } from '../core/call.js';
import { errorMessage } from '../core/error-message.js';
import type { ObservedPromise } from '../core/observed-promise.js';
import type { Invoke } from '../core/site.js';
import { HotpathError } from '../errors.js';
import { refuse, type SiteContext } from './engine.js';
import type { LocalEngine } from './local-engine.js';

/** A call the Redis engine holds until it starts or is refused. */
export interface HeldCall {
  readonly call: Call;
  readonly inner: Invoke;
  readonly ctx: SiteContext;
  readonly promise: ObservedPromise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** One engine's `whenUnreachable` policy; see the file comment. */
export class UnreachableRedis {
  readonly #policy: 'fail-closed' | 'fail-open';
  readonly #fallback: () => LocalEngine;
  /** ` (limiter 'name')` or empty, for messages. */
  readonly #where: string;
  /** The local engine of `fail-open` calls while Redis is unreachable, once needed. */
  #local: LocalEngine | undefined;

  /** `fallback` makes the local engine that runs calls while Redis is unreachable (`fail-open`). */
  constructor(policy: 'fail-closed' | 'fail-open', fallback: () => LocalEngine, where: string) {
    this.#policy = policy;
    this.#fallback = fallback;
    this.#where = where;
  }

  /** Whether no `fail-open` call waits or runs on the local engine. */
  isIdle(): boolean {
    return this.#local === undefined || this.#local.isIdle();
  }

  /** Redis did not answer for `entry`: run it on this process's own limit, or refuse it. */
  handle(entry: HeldCall, cause: unknown): void {
    if (this.#policy === 'fail-open') {
      // Counted by the local engine (started, waits) from here.
      try {
        this.#local ??= this.#fallback();
        entry.resolve(this.#local.run(entry.call, entry.inner, entry.ctx));
      } catch (error) {
        entry.reject(error);
      }
      return;
    }
    entry.ctx.figures.rejected++;
    publishEvent('rateLimit', 'rejected', entry.ctx.site, () => ({ reason: 'error' }));
    refuse(
      entry.promise,
      entry.reject,
      entry.ctx,
      new HotpathError(
        'E_STORE',
        `${entry.ctx.site.name}: the rate limiter${this.#where} could not reach Redis (${errorMessage(cause)}); the call was not started`,
        { cause },
      ),
    );
  }
}
