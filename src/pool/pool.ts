/** `pool(options)`, the way to make a `ResourcePool`. */
import type { PoolOptions } from './options.js';
import { ResourcePool } from './resource-pool.js';

/**
 * Defines a pool of resources (connections, clients) lent one call at a time; give it to a
 * registry (`createHotpath({ pools: { db: pool({...}) } })`) and lease from it with
 * `@withResource('db')`, or use it on its own (`@withResource(db)`, `db.use(fn)`,
 * `db.acquire()`). Options are checked here (house-form `TypeError`s); tarn is loaded and the
 * pool built at the first lease, and no resource is created before one is needed.
 *
 * @example
 * const db = pool({
 *   create: async () => { const c = new pg.Client(url); await c.connect(); return c; },
 *   destroy: (c) => c.end(),
 *   validate: (c) => c.query('select 1').then(() => true, () => false),
 *   isFatal: (e) => (e as { code?: string }).code === '57P01',
 *   max: 10,
 *   acquireTimeout: '5s',
 * });
 */
export function pool<T>(options: PoolOptions<T>): ResourcePool<T> {
  return new ResourcePool(options);
}
