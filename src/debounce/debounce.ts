/**
 * `@debounce(wait | options)`: runs the method once activity stops, with lodash's `debounce`
 * timing (leading, trailing, maxWait), per instance and per key, and hands every caller a
 * promise of the invocation its call was folded into. See `timing/timing-engine.ts` for the
 * semantics, the events and the promise handling.
 */
import type { HotpathDecorator } from '../core/intercept.js';
import type { Duration } from '../core/options.js';
import { timingDecorator, type DeferrableMethod } from '../timing/timing-decorator.js';
import type { TimingOptionsBase } from '../timing/timing-options.js';

export type { DeferrableMethod } from '../timing/timing-decorator.js';

/** Options of {@link debounce}. */
export interface DebounceOptions extends TimingOptionsBase {
  /**
   * Longest a call may be deferred (ms or a {@link Duration}); must be >= `wait`. Without it a
   * steady stream of calls defers the invocation forever.
   *
   * @default undefined (unbounded)
   */
  maxWait?: Duration;
}

/**
 * Debounces the method: calls within `wait` of each other fold into one invocation, with the
 * last call's arguments, `wait` ms after the last call (lodash `debounce`).
 *
 * - `@debounce(300)` / `@debounce('300ms')` / `@debounce({ wait, leading = false, trailing = true, maxWait, key })`.
 * - Every caller gets a `Promise` of the result of the invocation its call was folded into;
 *   callers folded together share one promise. If the method throws or rejects, that promise
 *   rejects; if no caller handles it, the error goes to `registry.on('error')` instead of an
 *   unhandled rejection.
 * - State belongs to the instance (the constructor for statics, the wrapper for the
 *   functional form), and with `key` to each key.
 * - `control(obj, 'm')`: `cancel()` (waiting callers reject with `E_CANCELLED`), `flush()`
 *   (runs the pending invocation now; resolves when it has settled), `pending()`, `stats()`.
 * - `registry.shutdown()` runs every pending trailing invocation.
 * - Figures (`registry.stats()`): `calls`, `invocations`, `folded`, `cancelled`.
 *
 * Cost per call that joins a pending invocation: one state lookup, one clock read, no
 * allocation. Applies to methods returning `void` or a promise (a compile error otherwise).
 *
 * @example
 * class Search { @debounce(250) async suggest(q: string): Promise<string[]> { ... } }
 */
export function debounce(wait: Duration | DebounceOptions): HotpathDecorator<DeferrableMethod> {
  return timingDecorator('debounce', wait);
}
