/**
 * hotpath: declarative performance for service classes. This entry holds what an application
 * that decorates its methods needs: the decorators, `control()`, the registries, the errors,
 * `parseDuration`, and the option and stats types. Writing a decorator of your own (the
 * interception core, per-owner state, keys, channels, the clock) is `hotpath/extend`
 * (`src/extend.ts`). Every runtime name exported here is described in the README; the whole
 * surface is pinned by `api/hotpath.api.md` (`npm run check:api`).
 */
export {
  BatchError,
  HotpathError,
  PoolTimeoutError,
  RateLimitError,
  TimeoutError,
  isHotpathError,
  type HotpathErrorCode,
} from './errors.js';
export type { Call, Middleware } from './core/call.js';
export type { Clock } from './core/clock.js';
export { control, type Control } from './core/control.js';
export type { AnyFunction, HotpathDecorator } from './core/intercept.js';
export type { SiteInfo, SiteKind } from './core/site.js';
export { parseDuration, type Duration } from './core/options.js';
export type { Hotpath, ShutdownPhase, ShutdownTask } from './registry/hotpath.js';
export { createHotpath } from './registry/hotpath.js';
export { hotpath, bindHotpath } from './registry/binding.js';
export type * from './registry/types.js';
export { use } from './use/use.js';
export {
  cached,
  invalidates,
  codec,
  withBreaker,
  type AsyncMethod,
  type BreakerOptions,
  type BreakerState,
  type CachedDecorator,
  type CachedOptions,
  type Codec,
  type InvalidatesOptions,
  type RefuseObservable,
} from './cached/index.js';
export {
  lazy,
  lazyRecord,
  type LazyDecorator,
  type LazyFactories,
  type LazyFigures,
  type LazyRecord,
} from './lazy/index.js';
export {
  retry,
  type PromiseMethod,
  type RetryBackoff,
  type RetryEvent,
  type RetryFigures,
  type RetryOptions,
} from './retry/index.js';
export { timeout, type TimeoutFigures, type TimeoutOptions } from './timeout/index.js';
export {
  debounce,
  type DebounceOptions,
  type DeferrableMethod,
  type TimingOptionsBase,
} from './debounce/index.js';
export { throttle, type ThrottleOptions } from './throttle/index.js';
export {
  batched,
  type BatchedMethod,
  type BatchedOptions,
  type DispatchReason,
} from './batched/index.js';
export {
  profile,
  memoryMonitor,
  type MeasureOptions,
  type MemoryCollection,
  type MemoryMonitor,
  type MemoryMonitorFunction,
  type MemoryMonitorOptions,
  type MemorySample,
  type MemorySnapshot,
  type MemoryStats,
  type MemoryTrend,
  type ProfileMemoryStats,
  type ProfileOptions,
  type ProfileStats,
} from './profile/index.js';
export {
  rateLimit,
  type LimiterOptions,
  type RateLimitOptions,
  type RedisLimiterOptions,
  type RedisScriptClient,
} from './rate-limit/index.js';
export {
  pool,
  objectPool,
  withResource,
  resource,
  statementCache,
  type AcquireOptions,
  type AnyPool,
  type DestroyReason,
  type LeasingMethod,
  type ObjectPool,
  type ObjectPoolOptions,
  type ObjectPoolStats,
  type PoolOptions,
  type PoolShutdownReport,
  type PoolStats,
  type Preparer,
  type ResourcePool,
  type StatementCache,
  type StatementCacheOptions,
  type StatementCacheStats,
  type WaitFigures,
  type WithResourceFigures,
} from './pool/index.js';
