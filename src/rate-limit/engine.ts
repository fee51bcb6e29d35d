/**
 * What `@rateLimit` asks of an engine (the local one, local-engine.ts, or Bottleneck,
 * bottleneck-engine.ts), and what a decorated method hands the engine with each call.
 */
import type { Call } from '../core/call.js';
import { guardRejection, type ObservedPromise } from '../core/observed-promise.js';
import type { Invoke, SiteInfo } from '../core/site.js';
import { HotpathError } from '../errors.js';
import type { RateLimitFigures } from './figures.js';

/**
 * One budget's engine: runs calls as the limit allows, and is told when shutdown starts and
 * when it must stop. One engine may serve several methods (a named limiter).
 */
export interface Engine {
  /**
   * Runs `inner(call)` when the budget allows. Returns what the caller gets: the method's own
   * result (the local engine, when admitted at once), else a promise of it.
   */
  run(call: Call, inner: Invoke, ctx: SiteContext): unknown;
  /**
   * Shutdown has started: rejects the calls waiting now with `error(site)` (`E_SHUTDOWN`),
   * except those the registry's own shutdown work queued (a flushed batch calling a
   * rate-limited method), which keep their turn.
   */
  dropWaiting(error: (site: SiteInfo) => HotpathError): void;
  /**
   * Rejects the calls still waiting with `error(site)`, refuses further calls, and resolves once
   * the calls in flight have finished (and, for Bottleneck, once the limiter is stopped).
   */
  stop(error: (site: SiteInfo) => HotpathError): Promise<void>;
}

/** What a decorated method contributes to a call through a (possibly shared) engine. */
export interface SiteContext {
  readonly site: SiteInfo;
  readonly figures: RateLimitFigures;
  readonly reject: boolean;
  /** Fixed priority 0 (first) to 9 (last), or a function of the arguments. */
  readonly priority: number | ((...args: unknown[]) => unknown);
  /** Describes the limit in messages, e.g. `10 calls per 1000 ms`. */
  readonly describe: string;
  /** Where the limiter lives, for messages (`limiter 'github'`, or `''`). */
  readonly limiterName: string | undefined;
  /**
   * Hears about a refusal (`E_SHUTDOWN`, `RateLimitError`, `E_STORE`, `E_CONFIG`) that no caller
   * awaits (a fire-and-forget call): the registry's `error` event, never an unhandled rejection.
   */
  readonly report: (error: unknown) => void;
}

/**
 * Rejects a waiting caller's `promise` (an {@link ObservedPromise}) with a hotpath refusal that
 * goes to `ctx.report` if nobody awaits it. A call that started is not guarded: a failure of
 * the method reaches its caller exactly as without the decorator.
 */
export function refuse(
  promise: ObservedPromise<unknown>,
  reject: (error: unknown) => void,
  ctx: SiteContext,
  error: unknown,
): void {
  guardRejection(promise, ctx.report);
  reject(error);
}

/** The refusal of a call that reaches an engine after it was stopped (the registry shut down). */
export function stoppedError(site: SiteInfo): HotpathError {
  return new HotpathError(
    'E_SHUTDOWN',
    `${site.name}: the rate limiter has been stopped (registry shut down)`,
  );
}

/**
 * Starts a call that waited: the method's result, or a rejected promise when the method throws
 * synchronously (the caller already holds a promise, so the throw must reach it as a rejection).
 */
export function startWaited(call: Call, inner: Invoke): unknown {
  try {
    return inner(call);
  } catch (error) {
    return Promise.reject(error);
  }
}
