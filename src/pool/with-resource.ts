/**
 * `@withResource(pool)`: the method runs with a resource leased from `pool` for the length of
 * one call, read with `resource(pool)` (lease.ts).
 *
 * - The lease is given back in `finally`, whatever the method does; it is destroyed instead
 *   when the method fails with an error the pool's `isFatal` says poisons it.
 * - A decorated call made inside another's lease of the same pool (a repository method called
 *   by a service method, in the same async context) reuses that lease: one connection per
 *   request, as a transaction scope would have it. Concurrent nested calls
 *   (`Promise.all([repo.a(), repo.b()])`) share it too.
 * - `pool` is a name in the registry of the call's instance (`createHotpath({ pools })`,
 *   looked up at the call: two instances bound to two registries lease from each one's own
 *   pool), or a pool made by `pool()`.
 *
 * Figures (`registry.stats().methods[...].withResource`): `calls`, `leased` (calls that took
 * a lease), `nested` (calls that ran inside their caller's).
 */
import { createDecorator, type HotpathDecorator } from '../core/intercept.js';
import { optionError, type OptionSite } from '../core/options.js';
import type { Invoke, Layer, Site } from '../core/site.js';
import { figuresCache } from '../core/state.js';
import { HotpathError } from '../errors.js';
import type { Runtime } from '../core/runtime.js';
import { activeLease } from './lease.js';
import { NESTED } from './internal.js';
import { leased } from './leased.js';
import { ResourcePool } from './resource-pool.js';

/** A method returning a promise: what `@withResource` accepts (the lease ends when it settles). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LeasingMethod = (this: any, ...args: any[]) => PromiseLike<unknown>;

/** Figures of one `@withResource` method in one registry. */
export interface WithResourceFigures {
  /** Calls made. */
  calls: number;
  /** Calls that took a lease of their own. */
  leased: number;
  /** Calls that ran inside their caller's lease of the same pool. */
  nested: number;
}

function newFigures(): WithResourceFigures {
  return { calls: 0, leased: 0, nested: 0 };
}

/** Validates the argument of `@withResource` on `site`. */
function resolvePoolTarget(site: OptionSite, value: unknown): string | ResourcePool<unknown> {
  if ((typeof value === 'string' && value.length > 0) || value instanceof ResourcePool)
    return value;
  throw optionError(
    site,
    'pool',
    "a pool's name in the registry (a non-empty string) or a pool made by pool()",
    value,
  );
}

/** The pools a registry holds (`createHotpath({ pools })`). */
function poolsOf(registry: Runtime): Readonly<Record<string, unknown>> {
  return registry.pools;
}

function unknownPool(registry: Runtime, name: string, site: Site): HotpathError {
  const names = Object.keys(poolsOf(registry));
  return new HotpathError(
    'E_CONFIG',
    `@withResource on ${site.name}: pool '${name}' is not in registry '${registry.name}' (known pools: ${names.length ? names.map((k) => `'${k}'`).join(', ') : 'none'}); add it with createHotpath({ pools: { ${name}: pool({ ... }) } })`,
  );
}

function withResourceLayer(target: string | ResourcePool<unknown>): Layer {
  let site!: Site;
  const figuresOf = figuresCache('withResource', newFigures);
  // The pool of the registry seen last: nearly every call in a process uses one registry.
  let lastRegistry: Runtime | undefined;
  let lastPool: ResourcePool<unknown> | undefined;
  const poolFor = (registry: Runtime): ResourcePool<unknown> => {
    if (typeof target !== 'string') return target;
    if (registry === lastRegistry) return lastPool!;
    const found = poolsOf(registry)[target];
    if (!(found instanceof ResourcePool)) throw unknownPool(registry, target, site);
    lastRegistry = registry;
    return (lastPool = found);
  };

  return {
    decorator: 'withResource',
    async: true,
    wrap(inner: Invoke, s: Site): Invoke {
      site = s;
      return (call) => {
        const registry = call.runtime;
        const figures = figuresOf(registry, site);
        figures.calls++;
        let pool: ResourcePool<unknown>;
        try {
          pool = poolFor(registry);
          if (activeLease(pool) !== undefined) {
            figures.nested++;
            pool[NESTED]();
            return Promise.resolve(inner(call));
          }
        } catch (error) {
          return Promise.reject(error);
        }
        figures.leased++;
        return leased(pool, site.name, () => inner(call));
      };
    },
    control: {
      stats: (ctx) => ({
        pool: typeof target === 'string' ? target : target.name,
        ...ctx.runtime.metric(ctx.site, 'withResource', newFigures),
      }),
    },
  };
}

/**
 * `@withResource(pool)` on a method returning a promise (anything else is a compile error):
 * each call runs with a resource leased from `pool`, read inside it with `resource(pool)`;
 * nested decorated calls in the same async context share the lease. `pool` is a name in the
 * instance's registry (`createHotpath({ pools: { db: pool({...}) } })`) or a pool itself.
 *
 * Errors: the pool's `PoolTimeoutError` (`E_POOL_TIMEOUT`), `E_POOL_FULL`, `E_SHUTDOWN`;
 * `E_CONFIG` when the registry has no pool of that name. A bad `pool` argument is a
 * `TypeError` at class definition.
 *
 * Cost per outermost call: the pool's acquire and release (tarn: a few promises and a timer)
 * and one `AsyncLocalStorage.run`; per nested call, one lease lookup.
 *
 * @example
 * class UserService {
 *   @withResource('db')
 *   async rename(id: string, name: string): Promise<void> {
 *     await resource<pg.Client>('db').query('begin');
 *     await this.repo.update(id, name); // @withResource('db') too: same connection
 *     await resource<pg.Client>('db').query('commit');
 *   }
 * }
 * const count = withResource(db)(async () => (await resource(db).query('select 1')).rowCount);
 */
export function withResource<T>(pool: string | ResourcePool<T>): HotpathDecorator<LeasingMethod> {
  return createDecorator<LeasingMethod>({
    name: 'withResource',
    layer(site) {
      return withResourceLayer(resolvePoolTarget(site, pool));
    },
  });
}
