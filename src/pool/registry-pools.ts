/**
 * What a registry does with the pools given in `createHotpath({ pools })`: names them after
 * their keys, sends their errors to its `error` event, shows their figures in the `pools`
 * section of `stats()` (a table in `report()`), and shuts them down in its `stop` phase, after
 * the flush (a flushed batch may still write through a pool).
 */
import type { Runtime } from '../core/runtime.js';
import { ADOPT, CLOSE, FORCE } from './internal.js';
import { ObjectPool } from './object-pool.js';
import { ResourcePool } from './resource-pool.js';

/** A pool a registry can hold: made by `pool()` or `objectPool()`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPool = ResourcePool<any> | ObjectPool<any>;

/** Is `value` a pool a registry can hold? */
export function isPool(value: unknown): value is AnyPool {
  return value instanceof ResourcePool || value instanceof ObjectPool;
}

/** Takes `pools` into `registry` (see the module comment). Throws the house-form `TypeError` for a pool another registry holds. */
export function attachPools(registry: Runtime, pools: Readonly<Record<string, AnyPool>>): void {
  const entries = Object.entries(pools);
  if (entries.length === 0) return;
  for (const [name, pool] of entries) {
    if (pool instanceof ObjectPool) {
      pool[ADOPT](name);
      continue;
    }
    pool[ADOPT](name, (error) => registry.emitError(error, { decorator: 'pool' }));
    registry.onShutdown(
      {
        run: () => pool[CLOSE](),
        abandon: () => {
          const lent = pool[FORCE]();
          return lent === 0
            ? []
            : [
                {
                  decorator: 'pool',
                  method: `pool:${name}`,
                  pending: lent,
                  detail: `${lent} lease${lent === 1 ? '' : 's'} of pool '${name}' still out: ${lent === 1 ? 'its resource was' : 'their resources were'} destroyed`,
                },
              ];
        },
      },
      'stop',
    );
  }
  registry.section('pools', () =>
    Object.fromEntries(entries.map(([name, pool]) => [name, pool.stats()])),
  );
}
