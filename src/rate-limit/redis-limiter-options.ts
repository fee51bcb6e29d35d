/**
 * The `redis` option of `engine: 'redis'`: its type, and the resolver that validates it (with
 * the limit's other options, in options.ts).
 */
import { MAX_TIMER_MS } from '../core/clock.js';
import {
  checkOptionsObject,
  durationOption,
  enumOption,
  optionError,
  stringOption,
  type Duration,
  type OptionSite,
} from '../core/options.js';
import type { RedisScriptClient } from './redis-decider.js';

/** Options of the native Redis engine (`engine: 'redis'`). */
export interface RedisLimiterOptions {
  /**
   * The ioredis client the decisions run on: a `Redis` (one node, or Sentinel with
   * `new Redis({ sentinels, name })`) or a `Cluster`. hotpath never closes it. Required.
   */
  client: RedisScriptClient;
  /**
   * The limit's name in Redis: every process using the same key on the same Redis shares one
   * budget. Its keys are `hotpath:rl:{key}:*` (one hash tag: one cluster slot); with the
   * method's `key` option, each budget has its own, `hotpath:rl:{key:<budget>}:*`. `:`, `{`,
   * `}`, `%` and control characters are percent-escaped in both parts. Required.
   */
  key: string;
  /**
   * What a call does when Redis does not answer within `redisTimeout`: `'fail-closed'`
   * rejects it with `HotpathError` `E_STORE` (an external quota is never exceeded);
   * `'fail-open'` runs it under this process's own local engine with the same limit (so all
   * processes together may start up to `limit` each per `interval`). Either way Redis is not
   * asked again for 1 s after a failure.
   *
   * @default 'fail-closed'
   */
  whenUnreachable?: 'fail-closed' | 'fail-open';
  /**
   * With `maxConcurrent`: how long a call in flight holds its place if its process dies
   * (renewed every third of it while the call runs).
   *
   * @default '10s'
   */
  leaseTtl?: Duration;
}

/**
 * Internal (hotpath/http): set to `true` on a `redis` option object, the limit counts its
 * decisions at Redis's time instead of the calls' starts, so a grant is never late and a
 * window is exactly `interval` (no start slack). For an admission that is itself what is
 * limited (an HTTP request let through), not a call that starts after the reply arrives. A
 * symbol: options checks see only string keys, and no user can set it by mistake.
 */
export const COUNT_DECISIONS: unique symbol = Symbol('hotpath.rateLimit.countDecisions');

/** A `redis` option after validation. */
export interface ResolvedRedisLimiter {
  readonly client: RedisScriptClient;
  readonly key: string;
  readonly whenUnreachable: 'fail-closed' | 'fail-open';
  readonly leaseTtl: number;
  /** Whether the limit counts decisions, not starts ({@link COUNT_DECISIONS}). */
  readonly countDecisions: boolean;
}

/** Validates the `redis` option of `engine: 'redis'`. */
export function resolveRedisLimiter(site: OptionSite, value: unknown): ResolvedRedisLimiter {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw optionError(
      site,
      'redis',
      "an object `{ client, key }` (an ioredis Redis or Cluster, and the limit's name in Redis)",
      value,
    );
  }
  // Checked as `redis.<name>`, so that a misspelt key is named with its path.
  checkOptionsObject(
    site,
    Object.fromEntries(Object.keys(value).map((k) => [`redis.${k}`, true])),
    ['redis.client', 'redis.key', 'redis.whenUnreachable', 'redis.leaseTtl'],
  );
  const o = value as Partial<RedisLimiterOptions>;
  const client = o.client as Partial<RedisScriptClient> | undefined;
  if (
    client === null ||
    typeof client !== 'object' ||
    typeof client.evalsha !== 'function' ||
    typeof client.eval !== 'function'
  ) {
    throw optionError(site, 'redis.client', 'an ioredis Redis or Cluster client', o.client);
  }
  const key = stringOption(site, 'redis.key', o.key);
  if (key === undefined) {
    throw optionError(site, 'redis.key', "a non-empty string (the limit's name in Redis)", o.key);
  }
  return {
    client: client as RedisScriptClient,
    key,
    whenUnreachable: enumOption(
      site,
      'redis.whenUnreachable',
      o.whenUnreachable,
      ['fail-closed', 'fail-open'] as const,
      'fail-closed',
    ),
    leaseTtl: durationOption(site, 'redis.leaseTtl', o.leaseTtl, 10_000, {
      positive: true,
      max: MAX_TIMER_MS,
    }),
    countDecisions: (value as { [COUNT_DECISIONS]?: unknown })[COUNT_DECISIONS] === true,
  };
}
