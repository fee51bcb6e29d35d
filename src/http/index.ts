/**
 * `hotpath/http`: HTTP helpers for servers without Nest: a per-client rate limit for Express
 * and Fastify (in process or shared through Redis), and the 429 headers it sends (also used by
 * `hotpath/nestjs`). Loads no web framework and no Redis client: you pass yours.
 */
export {
  expressRateLimit,
  fastifyRateLimit,
  type HttpRateLimitOptions,
} from './http-rate-limit.js';
export { rateLimitHeaders, type RateLimitState } from './rate-limit-headers.js';
