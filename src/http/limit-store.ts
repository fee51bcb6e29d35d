/**
 * Where an HTTP rate limit keeps its counts: in this process (hotpath's own sliding window,
 * per key) or shared by every process through Redis.
 */

/** The answer of a {@link LimitStore} for one request. */
export interface LimitVerdict {
  /** Whether the request may go on (it was counted). */
  readonly allowed: boolean;
  /** Requests the key may still make in the current window, when the store knows. */
  readonly remaining?: number;
  /** When refused: milliseconds until the key may make a request again. */
  readonly retryAfter: number;
}

/**
 * Counts requests per key: `take` admits and counts one request of `key` if fewer than `limit`
 * were admitted in the last `interval` ms (a sliding window), else refuses it.
 */
export interface LimitStore {
  take(key: string, limit: number, interval: number): Promise<LimitVerdict>;
}

/** The part of an ioredis client (or cluster) {@link redisLimitStore} uses. */
export interface RedisEval {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/**
 * A sliding log in a sorted set, one per key, trimmed and counted in one script so that
 * concurrent requests from many processes cannot both take the last slot. Times come from the
 * Redis server (`TIME`), so the processes' clocks do not matter.
 */
const SLIDING_LOG = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - interval)
local count = redis.call('ZCARD', KEYS[1])
if count < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, t[1] .. t[2] .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], interval)
  return {1, tonumber(ARGV[1]) - count - 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, 0, tonumber(oldest[2]) + interval - now}
`;

let sequence = 0;

/**
 * A {@link LimitStore} shared by every process through Redis: give it your ioredis client
 * (`new Redis(url)`). One sorted set per key under `prefix` (default `'hotpath:rl:'`), expiring
 * with its window. Cost: one round trip per request. A Redis failure rejects the request's
 * `take` (the middleware passes the error on: Express's `next(error)`, Fastify's error handler).
 */
export function redisLimitStore(redis: RedisEval, options: { prefix?: string } = {}): LimitStore {
  const prefix = options.prefix ?? 'hotpath:rl:';
  const id = `${process.pid}:${Math.random().toString(36).slice(2)}`;
  return {
    async take(key, limit, interval) {
      const member = `:${id}:${++sequence}`;
      const [allowed, remaining, retryAfter] = (await redis.eval(
        SLIDING_LOG,
        1,
        prefix + key,
        limit,
        interval,
        member,
      )) as [number, number, number];
      return { allowed: allowed === 1, remaining, retryAfter };
    },
  };
}
