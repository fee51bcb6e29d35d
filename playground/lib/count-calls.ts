/**
 * `@countCalls()`, the README's "Writing your own decorator" sample: a decorator made with
 * `hotpath/extend` alone. Run by playground/09-extend.ts, tested by test/extend.test.ts.
 */
import {
  PerOwner,
  argumentKey,
  createDecorator,
  publishEvent,
  type AnyFunction,
  type HotpathDecorator,
} from '../../src/extend.js';

/** Counts calls per instance and argument list; `stats()` lists the `top` most frequent. */
export function countCalls(top = 3): HotpathDecorator<AnyFunction> {
  return createDecorator({
    name: 'countCalls',
    // Once per decorated method, at class definition: bad options throw there.
    layer(applied) {
      if (!Number.isInteger(top) || top < 1) {
        throw new TypeError(
          `@countCalls on ${applied.where}: \`top\` must be a positive integer, got ${top}`,
        );
      }
      const counts = new PerOwner(() => new Map<string, number>());
      return {
        decorator: 'countCalls',
        // Once per method, at its first call; the function it returns runs on every call.
        wrap: (inner, site) => (call) => {
          const key = argumentKey(call.args, site.name); // E_UNKEYABLE for a function, a cycle...
          const perKey = counts.get(call.owner); // this instance's map, made on first use
          perKey.set(key, (perKey.get(key) ?? 0) + 1);
          publishEvent('countCalls', 'call', site, { key });
          return inner(call); // the rest of the chain, then the method
        },
        control: {
          stats: (ctx) => ({
            top: [...(counts.peek(ctx.owner) ?? [])].sort((a, b) => b[1] - a[1]).slice(0, top),
          }),
          clear: (ctx) => counts.delete(ctx.owner),
        },
      };
    },
  });
}
