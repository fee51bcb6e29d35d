/**
 * `@use(...middleware)`: the user's own middleware, run by the same core as every built-in
 * decorator.
 */
import type { Middleware } from '../core/call.js';
import { createDecorator, type AnyFunction, type HotpathDecorator } from '../core/intercept.js';
import { configError, optionError } from '../core/options.js';
import type { Invoke } from '../core/site.js';

/**
 * Runs `middleware` around the method, the first one outermost:
 * `@use(a, b)` runs `a`, whose `next()` runs `b`, whose `next()` runs the method.
 * Each middleware gets the {@link Call} (mutable `args`) and `next`, and returns what the
 * caller receives. Cost: one closure per middleware per call.
 *
 * @example
 * const logArgs: Middleware = (call, next) => { console.log(call.method, call.args); return next(); };
 * class Svc { @use(logArgs) find(id: string) { ... } }
 */
export function use(...middleware: Middleware[]): HotpathDecorator<AnyFunction> {
  return createDecorator({
    name: 'use',
    layer(site) {
      if (middleware.length === 0)
        throw configError(site, 'expects at least one middleware function');
      middleware.forEach((m, i) => {
        if (typeof m !== 'function') throw optionError(site, `middleware[${i}]`, 'a function', m);
      });
      const chain = [...middleware];
      return {
        decorator: 'use',
        wrap(inner: Invoke): Invoke {
          let invoke = inner;
          for (let i = chain.length - 1; i >= 0; i--) {
            const mw = chain[i]!;
            const next = invoke;
            invoke = (call) => mw(call, () => next(call));
          }
          return invoke;
        },
      };
    },
  });
}
