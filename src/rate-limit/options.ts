/**
 * `@rateLimit` options: their types, and the resolvers that validate them once (at decoration
 * time for a method's own options, at the first call for a registry's named limiter).
 */
import type Bottleneck from 'bottleneck';
import { MAX_TIMER_MS } from '../core/clock.js';
import {
  checkOptionsObject,
  configError,
  describeLimit,
  durationOption,
  enumOption,
  functionOption,
  integerOption,
  optionError,
  stringOption,
  type Duration,
  type OptionSite,
} from '../core/options.js';
import { deriveBottleneckSettings } from './bottleneck-limiter.js';
import type { LocalEngineSettings } from './local-engine.js';
import {
  resolveRedisLimiter,
  type RedisLimiterOptions,
  type ResolvedRedisLimiter,
} from './redis-limiter-options.js';

/**
 * A limit: what a method's own `@rateLimit` options describe, and what a named limiter in the
 * registry's `limiters` holds (when it is not a Bottleneck instance).
 */
export interface LimiterOptions {
  /**
   * Calls that may start per `interval`. Sliding window (default): a call starts only while fewer
   * than `limit` calls started in the last `interval`, so no window of `interval` ever holds more
   * than `limit` starts. With `algorithm: 'token-bucket'`: tokens refilled per `interval`.
   * At least one of `limit`, `maxConcurrent`, `minTime` (or a `limiter`) is required.
   *
   * @default undefined (no rate: only `maxConcurrent`/`minTime` apply)
   */
  limit?: number;
  /**
   * The window (or refill period) of `limit`.
   *
   * @default '1s'
   */
  interval?: Duration;
  /**
   * `'sliding-window'` (exact: suits external quotas) or `'token-bucket'` (smoothed traffic: up
   * to `burst` calls at once, then `limit` per `interval`, refilled continuously).
   *
   * @default 'sliding-window'
   */
  algorithm?: 'sliding-window' | 'token-bucket';
  /**
   * Token-bucket capacity: calls that may start at once after a quiet period.
   *
   * @default limit
   */
  burst?: number;
  /**
   * Calls in flight at most (a bulkhead). Combines with either algorithm.
   *
   * @default undefined (unbounded)
   */
  maxConcurrent?: number;
  /**
   * Minimum time between two starts. Combines with either algorithm.
   *
   * @default 0
   */
  minTime?: Duration;
  /**
   * How many calls may wait (with `onLimit: 'queue'`); a call beyond that rejects with
   * `RateLimitError`. With the Bottleneck engine it bounds this process's waiting calls.
   *
   * @default undefined (unbounded)
   */
  maxQueue?: number;
  /**
   * `'local'`: the in-process engine, well under a microsecond per call when no wait
   * is needed. `'bottleneck'`: a Bottleneck limiter built from these options plus `bottleneck`
   * (e.g. `{ datastore: 'ioredis', clientOptions, id }` to share the limit across processes).
   * `limit`/`interval` become Bottleneck's `minTime` (evenly spaced starts, 10 % + 2 ms slack:
   * Bottleneck has no sliding window); `algorithm: 'token-bucket'` is not available there.
   * `'redis'` (recommended to share a limit across processes): hotpath's own engine on Redis
   * (see `redis`), with the exact sliding window or the token bucket, `maxConcurrent` leases,
   * priorities across processes, and one Lua script per decision on one cluster slot.
   *
   * @default 'local'
   */
  engine?: 'local' | 'bottleneck' | 'redis';
  /**
   * The Redis of `engine: 'redis'`: `{ client, key, whenUnreachable?, leaseTtl? }`.
   *
   * @default undefined (required with `engine: 'redis'`)
   */
  redis?: RedisLimiterOptions;
  /**
   * Extra Bottleneck constructor options for `engine: 'bottleneck'` (`id`, `datastore`,
   * `clientOptions`, `Redis`, `connection`, ...).
   *
   * @default {} (a local Bottleneck limiter)
   */
  bottleneck?: Bottleneck.ConstructorOptions;
  /**
   * Bottleneck or Redis engine: how long one Redis round trip of the limiter may take before
   * the waiting call rejects with `E_STORE` (or, with `redis.whenUnreachable: 'fail-open'`,
   * runs under the local limit) instead of hanging while Redis is down or failing over.
   *
   * @default '5s'
   */
  redisTimeout?: Duration;
}

/** Options of `@rateLimit`. See {@link LimiterOptions} for the limit itself. */
export interface RateLimitOptions extends LimiterOptions {
  /**
   * A separate budget per key, e.g. per tenant or host: `key: (tenant) => tenant`. Called with
   * the method's arguments (and `this`). Budgets of idle keys are released. With
   * `engine: 'redis'` each key is a budget shared by every process (its own hash tag, whose
   * Redis keys expire after its window), and `key` must return a string, a number or a
   * structure of them. Not with `engine: 'bottleneck'`.
   *
   * @default undefined (one budget per instance)
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  key?: (...args: any[]) => unknown;
  /**
   * Uses the registry's limiter of this name (`createHotpath({ limiters: { github: {...} } })`),
   * shared by every method and instance naming it in that registry. The limit then comes from
   * the registry: do not set `limit`, `interval`, `algorithm`, `burst`, `maxConcurrent`,
   * `minTime`, `maxQueue`, `engine`, `bottleneck` or `redisTimeout` here. An unknown name rejects the
   * first call with `HotpathError` `E_CONFIG`.
   *
   * @default undefined (the limit is given here)
   */
  limiter?: string;
  /**
   * What happens when a call cannot start now: `'queue'` waits its turn (FIFO within a
   * priority); `'reject'` rejects at once with `RateLimitError` (`retryAfter` in ms).
   *
   * @default 'queue'
   */
  onLimit?: 'queue' | 'reject';
  /**
   * Queue priority, 0 (served first) to 9 (last), Bottleneck's convention. A function of the
   * arguments picks it per call.
   *
   * @default 5
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  priority?: number | ((...args: any[]) => number);
}

/** A limit after validation. */
export interface ResolvedLimiter {
  readonly engine: 'local' | 'bottleneck' | 'redis';
  readonly settings: LocalEngineSettings;
  readonly redis: ResolvedRedisLimiter | undefined;
  readonly bottleneck: Bottleneck.ConstructorOptions | undefined;
  readonly redisTimeout: number;
  /** For messages: `10 calls per 1000 ms, at most 2 in flight`. */
  readonly describe: string;
}

/** `@rateLimit` options after validation. */
export interface ResolvedRateLimit {
  /** The method's own limit, when it names no limiter. */
  readonly own: ResolvedLimiter | undefined;
  readonly limiter: string | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly key: ((...args: any[]) => unknown) | undefined;
  readonly reject: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly priority: number | ((...args: any[]) => unknown);
}

/** Option names that describe a limit (not allowed beside `limiter`). */
const LIMITER_KEYS = [
  'limit',
  'interval',
  'algorithm',
  'burst',
  'maxConcurrent',
  'minTime',
  'maxQueue',
  'engine',
  'bottleneck',
  'redis',
  'redisTimeout',
] as const;

const METHOD_KEYS = [...LIMITER_KEYS, 'key', 'limiter', 'onLimit', 'priority'] as const;

const DEFAULT_REDIS_TIMEOUT_MS = 5_000;

/** Validates a limit (a method's own, or a named limiter's with `site.where` = `limiter 'name'`). */
export function resolveLimiterOptions(site: OptionSite, options: LimiterOptions): ResolvedLimiter {
  const o = options;
  const limit = integerOption(site, 'limit', o.limit, Number.POSITIVE_INFINITY, 1);
  const interval = durationOption(site, 'interval', o.interval, 1_000, { positive: true });
  const algorithm = enumOption(
    site,
    'algorithm',
    o.algorithm,
    ['sliding-window', 'token-bucket'] as const,
    'sliding-window',
  );
  const burst = integerOption(site, 'burst', o.burst, limit, 1);
  const maxConcurrent = integerOption(
    site,
    'maxConcurrent',
    o.maxConcurrent,
    Number.POSITIVE_INFINITY,
    1,
  );
  const minTime = durationOption(site, 'minTime', o.minTime, 0);
  const maxQueue = integerOption(site, 'maxQueue', o.maxQueue, Number.POSITIVE_INFINITY, 0);
  const engine = enumOption(
    site,
    'engine',
    o.engine,
    ['local', 'bottleneck', 'redis'] as const,
    'local',
  );
  const redisTimeout = durationOption(
    site,
    'redisTimeout',
    o.redisTimeout,
    DEFAULT_REDIS_TIMEOUT_MS,
    // It bounds one Redis round trip, with a Node timer (a longer one would fire after 1 ms).
    { positive: true, max: MAX_TIMER_MS },
  );
  if (
    o.bottleneck !== undefined &&
    (o.bottleneck === null || typeof o.bottleneck !== 'object' || Array.isArray(o.bottleneck))
  ) {
    throw optionError(
      site,
      'bottleneck',
      'an object of Bottleneck constructor options',
      o.bottleneck,
    );
  }

  if (o.limit === undefined && (o.interval !== undefined || algorithm === 'token-bucket')) {
    throw configError(
      site,
      `\`${o.interval !== undefined ? 'interval' : 'algorithm'}\` needs \`limit\` (calls per interval)`,
    );
  }
  if (o.limit === undefined && o.maxConcurrent === undefined && o.minTime === undefined) {
    throw configError(site, 'needs `limit`, `maxConcurrent` or `minTime` (or a named `limiter`)');
  }
  if (o.burst !== undefined && algorithm !== 'token-bucket') {
    throw configError(site, "`burst` applies to `algorithm: 'token-bucket'` only");
  }
  if (engine === 'bottleneck' && algorithm === 'token-bucket') {
    throw configError(
      site,
      "`algorithm: 'token-bucket'` is not available with `engine: 'bottleneck'`",
    );
  }
  if (engine !== 'bottleneck' && o.bottleneck !== undefined) {
    throw configError(site, "`bottleneck` options need `engine: 'bottleneck'`");
  }
  if (engine !== 'redis' && o.redis !== undefined) {
    throw configError(site, "`redis` options need `engine: 'redis'`");
  }
  const redis = engine === 'redis' ? resolveRedisLimiter(site, o.redis) : undefined;
  if (engine === 'bottleneck') {
    checkBottleneckTimers(site, { limit, interval, maxConcurrent, minTime }, o.bottleneck);
  }

  const parts: string[] = [];
  if (limit !== Number.POSITIVE_INFINITY) {
    parts.push(
      algorithm === 'token-bucket'
        ? `token bucket of ${burst}, ${limit} per ${interval} ms`
        : `${limit} call${limit === 1 ? '' : 's'} per ${interval} ms`,
    );
  }
  if (maxConcurrent !== Number.POSITIVE_INFINITY) parts.push(`at most ${maxConcurrent} in flight`);
  if (minTime > 0) parts.push(`${minTime} ms apart`);

  return {
    engine,
    settings: { limit, interval, algorithm, burst, maxConcurrent, minTime, maxQueue },
    bottleneck: o.bottleneck,
    redis,
    redisTimeout,
    describe: parts.join(', '),
  };
}

/**
 * Bottleneck waits with Node timers, which fire after 1 ms when asked to wait past 24.8 days
 * (2^31 − 1 ms): a job granted 30 days ahead would start at once, and a heartbeat that long
 * would spin. Refuses such settings (the local engine waits any duration).
 */
function checkBottleneckTimers(
  site: OptionSite,
  limit: Pick<LocalEngineSettings, 'limit' | 'interval' | 'maxConcurrent' | 'minTime'>,
  extra: Bottleneck.ConstructorOptions | undefined,
): void {
  const spacing = deriveBottleneckSettings(limit).minTime;
  if (spacing > MAX_TIMER_MS) {
    throw configError(
      site,
      `\`engine: 'bottleneck'\` spaces starts ${spacing} ms apart here (\`interval\` / \`limit\`, or \`minTime\`, plus 10 % + 2 ms), longer than Bottleneck's timers can wait (${describeLimit(MAX_TIMER_MS)}): use the local engine, which waits any duration, or a larger \`limit\``,
    );
  }
  for (const option of ['heartbeatInterval', 'penalty'] as const) {
    const value = extra?.[option];
    if (typeof value === 'number' && value > MAX_TIMER_MS) {
      throw optionError(
        site,
        `bottleneck.${option}`,
        `at most ${describeLimit(MAX_TIMER_MS)} (Bottleneck waits it with a Node timer)`,
        value,
      );
    }
  }
}

/** Validates `@rateLimit` options at decoration time; throws the house-form `TypeError`s. */
export function resolveRateLimitOptions(site: OptionSite, options: unknown): ResolvedRateLimit {
  checkOptionsObject(site, options, METHOD_KEYS);
  const o = (options ?? {}) as RateLimitOptions;
  const limiter = stringOption(site, 'limiter', o.limiter);
  const key = functionOption<(...args: unknown[]) => unknown>(site, 'key', o.key);
  const onLimit = enumOption(site, 'onLimit', o.onLimit, ['queue', 'reject'] as const, 'queue');
  let priority: number | ((...args: unknown[]) => unknown) = 5;
  if (typeof o.priority === 'function') priority = o.priority;
  else priority = integerOption(site, 'priority', o.priority, 5, 0, 9);

  if (limiter !== undefined) {
    const extra = LIMITER_KEYS.filter((k) => o[k] !== undefined);
    if (extra.length > 0) {
      throw configError(
        site,
        `\`limiter: '${limiter}'\` takes its limit from the registry; remove ${extra
          .map((k) => `\`${k}\``)
          .join(', ')} (or drop \`limiter\`)`,
      );
    }
    return { own: undefined, limiter, key, reject: onLimit === 'reject', priority };
  }
  const own = resolveLimiterOptions(site, o);
  if (own.engine === 'bottleneck' && key !== undefined) {
    throw configError(
      site,
      `\`key\` is not available with \`engine: '${own.engine}'\` (use one named limiter per key)`,
    );
  }
  return { own, limiter: undefined, key, reject: onLimit === 'reject', priority };
}
