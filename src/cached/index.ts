/**
 * `@cached` and `@invalidates`, the shared-tier codec (reused by `hotpath/redis`)
 * and the per-store circuit breaker setting.
 */
export { cached, type AsyncMethod } from './cached.js';
export { CachedFigures } from './figures.js';
export { invalidates, type InvalidatesOptions } from './invalidates.js';
export {
  resolveCachedOptions,
  LOCK_DEFAULTS,
  type CachedOptions,
  type ResolvedCachedOptions,
} from './options.js';
export { codec, encode, decode, type Codec } from './codec.js';
export {
  withBreaker,
  DEFAULT_BREAKER,
  type BreakerOptions,
  type BreakerSettings,
  type BreakerState,
} from './breaker.js';
