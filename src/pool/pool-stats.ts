/**
 * A pool's figures: the counters a `ResourcePool` keeps as it lends and destroys, and
 * `poolStats()`, which makes them the `PoolStats` that `pool.stats()` returns.
 */
import type { DurationHistogram } from '../profile/histogram.js';
import type { TarnPool } from './tarn.js';

/**
 * Percentiles of the time callers waited for a resource, in milliseconds (`null` before any
 * lease). A lease served at once by an idle resource, with no `validate` to wait for, counts as 0.
 */
export interface WaitFigures {
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** A pool's figures (`pool.stats()`, and the `pools` section of `registry.stats()`). */
export interface PoolStats {
  /** Resources open at most. */
  max: number;
  /** Resources open now, lent or idle. */
  size: number;
  /** Open and not lent. */
  idle: number;
  /** Lent to callers. */
  inUse: number;
  /** Callers waiting for a resource (including while one is created or validated for them). */
  waiting: number;
  /** Resources created so far. */
  created: number;
  /** Resources destroyed so far (every reason). */
  destroyed: number;
  /** Leases granted (acquires that got a resource). */
  leases: number;
  /** Leases served by a resource that had been lent before (not freshly created). */
  reused: number;
  /** `reused / leases`: how much opening the pool saves (`null` before any lease). */
  reuseRate: number | null;
  /** Decorated calls that ran inside a lease of their caller instead of taking one. */
  nested: number;
  /** Acquires that waited past `acquireTimeout` (`PoolTimeoutError`). */
  timeouts: number;
  /** Acquires refused at once because `maxWaiting` callers were already waiting (`E_POOL_FULL`). */
  refused: number;
  /** `create()` calls that failed or timed out. */
  createFailed: number;
  /** Resources destroyed because `validate` said no. */
  invalid: number;
  /** Resources destroyed because a lease ended with an error `isFatal` said poisons them. */
  fatal: number;
  /** Resources destroyed because they were older than `maxLifetime`. */
  expired: number;
  /** The time callers waited for a resource. */
  wait: WaitFigures;
}

/** The counts a pool keeps: those of {@link PoolStats} that are not read off tarn. */
export type PoolCounters = Pick<
  PoolStats,
  | 'created'
  | 'destroyed'
  | 'leases'
  | 'reused'
  | 'nested'
  | 'timeouts'
  | 'refused'
  | 'createFailed'
  | 'invalid'
  | 'fatal'
  | 'expired'
>;

/** Counters at zero, for a new pool. */
export function newPoolCounters(): PoolCounters {
  return {
    created: 0,
    destroyed: 0,
    leases: 0,
    reused: 0,
    nested: 0,
    timeouts: 0,
    refused: 0,
    createFailed: 0,
    invalid: 0,
    fatal: 0,
    expired: 0,
  };
}

/** What {@link poolStats} reads a pool's figures from. */
export interface PoolFigureSources<T> {
  /** The pool's `max` option. */
  max: number;
  /** The tarn pool, once built (before the first lease, nothing is open). */
  tarn: TarnPool<T> | undefined;
  /** Resources lent now, by the pool's own bookkeeping. */
  inUse: number;
  counters: PoolCounters;
  /** The time callers waited, in nanoseconds. */
  wait: DurationHistogram;
}

/** A pool's figures now (a fresh object; JSON-serializable). */
export function poolStats<T>(sources: PoolFigureSources<T>): PoolStats {
  const pool = sources.tarn;
  const c = sources.counters;
  const h = sources.wait;
  const ms = (p: number): number | null => (h.count === 0 ? null : h.percentile(p) / 1e6);
  return {
    max: sources.max,
    size: pool ? pool.numUsed() + pool.numFree() : 0,
    idle: pool ? pool.numFree() : 0,
    inUse: sources.inUse,
    waiting: pool ? pool.numPendingAcquires() : 0,
    created: c.created,
    destroyed: c.destroyed,
    leases: c.leases,
    reused: c.reused,
    reuseRate: c.leases === 0 ? null : c.reused / c.leases,
    nested: c.nested,
    timeouts: c.timeouts,
    refused: c.refused,
    createFailed: c.createFailed,
    invalid: c.invalid,
    fatal: c.fatal,
    expired: c.expired,
    wait: {
      p50Ms: ms(50),
      p90Ms: ms(90),
      p99Ms: ms(99),
      maxMs: h.count === 0 ? null : h.max / 1e6,
    },
  };
}
