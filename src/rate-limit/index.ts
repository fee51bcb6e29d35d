/**
 * `@rateLimit` and its engines. See rate-limit.ts for the decorator and how its files fit
 * together, local-engine.ts for the in-process engine and bottleneck-engine.ts for Bottleneck
 * (clustered over Redis).
 */
export { rateLimit } from './rate-limit.js';
export type { LimiterOptions, RateLimitOptions } from './options.js';
export type { RedisLimiterOptions } from './redis-limiter-options.js';
export type { RedisScriptClient } from './redis-decider.js';
