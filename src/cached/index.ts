/**
 * `@cached` and `@invalidates`, the shared-tier codec (reused by `hotpath/redis`)
 * and the per-store circuit breaker setting.
 */
export { cached, type AsyncMethod, type CachedDecorator, type RefuseObservable } from './cached.js';
export { invalidates, type InvalidatesOptions } from './invalidates.js';
export { type CachedOptions } from './options.js';
export { codec, encode, decode, type Codec } from './codec.js';
export { withBreaker, type BreakerOptions, type BreakerState } from './breaker.js';
