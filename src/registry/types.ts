/**
 * The shapes the registry accepts and hands out. The services it hands decorators and the
 * contract they report through are core's (`core/services.ts`, `core/runtime.ts`), so that
 * decorators never import the registry; they are part of this public surface too.
 */
import type { Clock } from '../core/clock.js';
import type { Duration } from '../core/options.js';
import type { AbandonedWork } from '../core/runtime.js';
import type { CacheStore, InvalidationBus, SingleFlightLock } from '../core/services.js';
import type { AnyPool } from '../pool/registry-pools.js';

export type { AbandonedWork, ErrorInfo, HotpathEvents, SlowCallEvent } from '../core/runtime.js';
export type {
  CacheStore,
  InvalidationBus,
  InvalidationTarget,
  Invalidator,
  SingleFlightLock,
} from '../core/services.js';

/** Options of {@link createHotpath}. */
export interface HotpathConfig {
  /**
   * A name for this registry in reports and warnings. The default registry `hotpath` is named
   * `'default'`; `hotpathModule()` names its registries `'container'`.
   *
   * @default 'hotpath'
   */
  name?: string;
  /**
   * Named shared cache tiers for `@cached({ store })`: keyv instances or other
   * {@link CacheStore}s. The registry closes them on `shutdown()`.
   *
   * @default {} (no shared tier: `@cached({ store })` calls reject with `E_CONFIG`)
   */
  stores?: Record<string, CacheStore>;
  /**
   * Named limiters for `@rateLimit({ limiter })`: rate-limit options (the local engine) or a
   * Bottleneck instance (shared across processes when clustered).
   *
   * @default {}
   */
  limiters?: Record<string, object>;
  /**
   * A cross-process invalidation bus (e.g. `new RedisBus({ url })` from `hotpath/redis`).
   *
   * @default undefined (invalidations reach this process's memory tier only; other processes
   * trust mark times they read from a store for at most 1 s)
   */
  bus?: InvalidationBus;
  /**
   * A cross-process lock enabling distributed single flight for `@cached`.
   *
   * @default undefined (`@cached({ distributedLock })` rejects with `E_CONFIG`)
   */
  lock?: SingleFlightLock;
  /**
   * Time source of every timer and expiry of the registry.
   *
   * @default systemClock (real time; Jest fake timers also work with it)
   */
  clock?: Clock;
  /**
   * Named pools: `pool()` for `@withResource('name')`, `objectPool()` for figures in
   * `report()`. The registry names each after its key, reports its figures under `pools`, and
   * shuts it down in its own `shutdown()`. A pool belongs to one registry.
   *
   * @default {} (`@withResource('name')` calls reject with `E_CONFIG`)
   */
  pools?: Record<string, AnyPool>;
}

/** Result of `registry.stats()`: JSON-serializable. */
export interface HotpathStats {
  /** The registry's name. */
  registry: string;
  /** Per method (`ClassName.method`), per decorator (`cached`, `batched`, ...), that decorator's figures. */
  methods: Record<string, Record<string, Record<string, unknown>>>;
  /** Registry-wide sections (e.g. `memory` from `memoryMonitor`). */
  [section: string]: unknown;
}

/** Options of `registry.shutdown()`. */
export interface ShutdownOptions {
  /**
   * How long pending work may take to finish: flushed batches and debounced calls (and the
   * work they enqueue), background cache writes, calls still running in a limiter. Past it,
   * what is still pending is given up: its callers reject with `E_SHUTDOWN` (reported on the
   * `error` event when nobody awaits them), and `shutdown()` closes the stores and resolves,
   * listing it in `abandoned`. Default `'10s'`: well inside the 30 s a container platform
   * usually allows between SIGTERM and SIGKILL, leaving time to close stores (at most 2 s
   * each) and for the process's own cleanup. At most 24.8 days.
   *
   * @default '10s'
   */
  timeout?: Duration;
}

/** What `registry.shutdown()` resolves with. */
export interface ShutdownReport {
  /** Work given up at the timeout; empty when everything finished in time. */
  abandoned: AbandonedWork[];
}
