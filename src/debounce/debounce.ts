/**
 * `@debounce(wait | options)`: runs the method once activity stops, with lodash's `debounce`
 * timing (leading, trailing, maxWait), per instance and per key, and hands every caller a
 * promise of the invocation its call was folded into. See `timing-engine.ts` for the
 * semantics, the events and the promise handling.
 */
import { createDecorator, type HotpathDecorator } from '../core/intercept.js';
import type { Duration } from '../core/options.js';
import { TimingEngine } from './timing-engine.js';
import { resolveTimingOptions, type TimingOptionsBase } from './timing-options.js';

/**
 * The methods `@debounce` and `@throttle` accept: those returning `void` or a promise. The
 * caller always gets a promise at run time; declare the method `async`/`Promise<T>` to see it
 * in the types (a decorator cannot change a method's declared type). A method returning a
 * plain value (`number`, `string`, ...) is a compile error: its callers would read a value
 * where a promise arrives.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DeferrableMethod = (this: any, ...args: any[]) => void | Promise<unknown>;

/** Options of {@link debounce}. */
export interface DebounceOptions extends TimingOptionsBase {
  /**
   * Longest a call may be deferred (ms or a {@link Duration}); must be >= `wait`. Without it a
   * steady stream of calls defers the invocation forever. Default: unbounded.
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
  return createDecorator<DeferrableMethod>({
    name: 'debounce',
    layer(site) {
      const settings = resolveTimingOptions(site, wait, 'debounce');
      let engine: TimingEngine | undefined;
      return {
        decorator: 'debounce',
        async: true,
        wrap(inner, s) {
          engine = new TimingEngine('debounce', settings, inner, s);
          return engine.invoke;
        },
        control: {
          cancel: (ctx) => engine?.control.cancel!(ctx),
          flush: (ctx) => engine?.control.flush!(ctx),
          pending: (ctx) => engine?.control.pending!(ctx) ?? false,
          stats: (ctx) => engine?.control.stats!(ctx) ?? {},
        },
      };
    },
  });
}
