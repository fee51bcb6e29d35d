/**
 * `hotpath/redis`: run many processes against one Redis with one cache and one truth.
 *
 * - {@link redisStore}: a keyv instance for `config.stores` that never hangs when Redis does;
 *   on one Redis by URL, or on your own node-redis client (a Redis Cluster, Sentinel).
 * - {@link RedisBus}: cross-process invalidation (keys, tags, clears; never values) for `config.bus`.
 * - {@link RedisLock}: distributed single flight for `config.lock` and `@cached({ distributedLock: true })`.
 *
 * Needs the optional peers `keyv` and `@keyv/redis` (the store) and `ioredis` (bus and lock),
 * each loaded on first use: a missing one is named, with its `npm install`, by the integration
 * that needs it (`HotpathError` `E_CONFIG`). Not re-exported by `hotpath` itself, so
 * single-process users never load a Redis client.
 */
export { redisStore, type RedisStoreClientOptions, type RedisStoreOptions } from './redis-store.js';
export type { RedisStoreClient } from './store-client.js';
export { RedisBus, type RedisBusOptions } from './redis-bus.js';
export { RedisLock, type RedisLockOptions, type RedisLockStats } from './redis-lock.js';
export type { RedisCommandClient, RedisConnectionOptions } from './connection.js';
