/**
 * `@throttle(wait | options)`: runs the method at most once per `wait`, with lodash's
 * `throttle` timing: the debounce engine with `maxWait = wait` and `leading: true` by default.
 */
import type { HotpathDecorator } from '../core/intercept.js';
import type { Duration } from '../core/options.js';
import { timingDecorator, type DeferrableMethod } from '../timing/timing-decorator.js';
import type { TimingOptionsBase } from '../timing/timing-options.js';

/**
 * Options of {@link throttle}: `wait`, `leading` (default **true**), `trailing` (default true),
 * `key`. There is no `maxWait`: it is `wait`.
 */
export type ThrottleOptions = TimingOptionsBase;

/**
 * Throttles the method: it runs at most once per `wait` ms (lodash `throttle`): on the leading
 * edge, and on the trailing edge with the last arguments if it was called again during the wait.
 *
 * - `@throttle(1000)` / `@throttle('1s')` / `@throttle({ wait, leading = true, trailing = true, key })`.
 * - Every caller gets a `Promise` of the result of the invocation its call was folded into
 *   (shared by all callers folded together). A dropped call (`trailing: false`) gets the
 *   promise of the invocation that absorbed it (the last one), or of `undefined` if none ran.
 *   Unhandled rejections go to `registry.on('error')`.
 * - State per instance, and per key with `key`; `control()` `cancel()`, `flush()`,
 *   `pending()`, `stats()`; `registry.shutdown()` runs pending trailing invocations.
 * - Figures (`registry.stats()`): `calls`, `invocations`, `folded`, `cancelled`.
 *
 * Cost per throttled call: one state lookup, one clock read, no allocation. Applies to methods
 * returning `void` or a promise (a compile error otherwise).
 *
 * @example
 * class Telemetry { @throttle('1s') async report(sample: Sample): Promise<void> { ... } }
 */
export function throttle(wait: Duration | ThrottleOptions): HotpathDecorator<DeferrableMethod> {
  return timingDecorator('throttle', wait);
}
