/**
 * `@rateLimit` and its engines. See rate-limit.ts for the decorator, local-engine.ts for the
 * in-process engine and bottleneck-engine.ts for Bottleneck (clustered over Redis).
 */
export { rateLimit } from './rate-limit.js';
export type { LimiterOptions, RateLimitOptions } from './options.js';
export { RateLimitFigures } from './local-engine.js';
export { hardenBottleneck, type BottleneckLike } from './bottleneck-repair.js';
