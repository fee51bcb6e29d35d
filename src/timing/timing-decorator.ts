/**
 * The one decorator behind `@debounce` and `@throttle`: they differ only in their name and in
 * the settings `resolveTimingOptions` derives from their options.
 */
import { createDecorator, type HotpathDecorator } from '../core/intercept.js';
import { TimingEngine } from './timing-engine.js';
import { resolveTimingOptions } from './timing-options.js';

/**
 * The methods `@debounce` and `@throttle` accept: those returning `void` or a promise. The
 * caller always gets a promise at run time; declare the method `async`/`Promise<T>` to see it
 * in the types (a decorator cannot change a method's declared type). A method returning a
 * plain value (`number`, `string`, ...) is a compile error: its callers would read a value
 * where a promise arrives.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DeferrableMethod = (this: any, ...args: any[]) => void | Promise<unknown>;

/** Builds `@debounce(options)` or `@throttle(options)`: options validated per method, one engine per method. */
export function timingDecorator(
  kind: 'debounce' | 'throttle',
  options: unknown,
): HotpathDecorator<DeferrableMethod> {
  return createDecorator<DeferrableMethod>({
    name: kind,
    layer(site) {
      const settings = resolveTimingOptions(site, options, kind);
      let engine: TimingEngine | undefined;
      return {
        decorator: kind,
        async: true,
        wrap(inner, s) {
          engine = new TimingEngine(kind, settings, inner, s);
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
