export { pool } from './pool.js';
export { ResourcePool, type AcquireOptions } from './resource-pool.js';
export type { PoolShutdownReport } from './shutdown-pool.js';
export type { DestroyReason } from './pool-events.js';
export type { PoolStats, WaitFigures } from './pool-stats.js';
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
