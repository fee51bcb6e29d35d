/**
 * Queue priorities of `@rateLimit`: 0 (served first) to 9 (last), Bottleneck's convention, 5 by
 * default. Both engines read a call's priority here.
 */
import type { Call } from '../core/call.js';
import { guardedRejection, type ObservedPromise } from '../core/observed-promise.js';
import type { SiteContext } from './engine.js';

/** Levels 0 to `PRIORITIES - 1`. */
export const PRIORITIES = 10;

/** A call's priority when the option is not set, or its function gives no finite number. */
const DEFAULT_PRIORITY = 5;

/**
 * The priority (0–9) of a call: a number option, or a function of its arguments (rounded,
 * clamped; 5 when it is not a finite number). Throws what the function throws.
 */
export function priorityOf(ctx: SiteContext, call: Call): number {
  const p = ctx.priority;
  const value = typeof p === 'number' ? p : Number(p(...call.args));
  if (!Number.isFinite(value)) return DEFAULT_PRIORITY;
  return Math.min(PRIORITIES - 1, Math.max(0, Math.round(value)));
}

/**
 * The priority of a call about to wait or, when its `priority` function throws, the call's
 * refusal: counted as rejected, and reported to the registry if nobody awaits it.
 */
export function waitingPriority(ctx: SiteContext, call: Call): number | ObservedPromise<never> {
  try {
    return priorityOf(ctx, call);
  } catch (error) {
    ctx.figures.rejected++;
    return guardedRejection(error, ctx.report);
  }
}
