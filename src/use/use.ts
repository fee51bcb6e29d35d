/**
 * `@use(...middleware)`: the user's own middleware, run by the same core as every built-in
 * decorator.
 */
import type { Middleware } from '../core/call.js';
import { createDecorator, type AnyFunction, type HotpathDecorator } from '../core/intercept.js';
import { configError, optionError } from '../core/options.js';
import { perSiteCopy } from '../core/per-site-copy.js';
import type { Invoke, SiteInfo } from '../core/site.js';

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
        wrap(inner: Invoke, site: SiteInfo): Invoke {
          let invoke = inner;
          // A copy per link (core/per-site-copy.ts): each middleware call site then sees one
          // middleware and one `next`, and V8 can inline both.
          for (let i = chain.length - 1; i >= 0; i--)
            invoke = perSiteCopy(site, link, chain[i]!, invoke);
          return invoke;
        },
      };
    },
  });
}

/** One middleware in front of `next`. Copied per site (per-site-copy.ts): uses only its parameters. */
function link(mw: Middleware, next: Invoke): Invoke {
  return (call) => mw(call, () => next(call));
}
