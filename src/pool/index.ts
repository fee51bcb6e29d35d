export { pool, ResourcePool } from './resource-pool.js';
export type {
  AcquireOptions,
  DestroyReason,
  PoolShutdownReport,
  PoolStats,
  WaitFigures,
} from './resource-pool.js';
export { resource } from './lease.js';
export { withResource, type LeasingMethod, type WithResourceFigures } from './with-resource.js';
export { objectPool, ObjectPool, type ObjectPoolStats } from './object-pool.js';
export {
  statementCache,
  StatementCache,
  type Preparer,
  type StatementCacheOptions,
  type StatementCacheStats,
} from './statement-cache.js';
export type { ObjectPoolOptions, PoolOptions } from './options.js';
export { type AnyPool } from './registry-pools.js';
