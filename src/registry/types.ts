/**
 * The shapes the registry accepts and hands out. Structural on purpose: a keyv instance is a
 * {@link CacheStore} without hotpath importing keyv, so consumers who never use a shared store
 * never load it.
 */
import type { Clock } from '../core/clock.js';
import type { Duration } from '../core/options.js';

/**
 * A shared cache tier. Any keyv instance fits (`new Keyv(...)`, `createKeyv(url)`), and so does
 * anything with the same four methods. hotpath hands it already-encoded strings.
 */
export interface CacheStore {
  get(key: string): Promise<unknown> | unknown;
  set(key: string, value: unknown, ttl?: number): Promise<unknown> | unknown;
  delete(key: string): Promise<unknown> | unknown;
  clear?(): Promise<unknown> | unknown;
  /** keyv's way to close its connection; called by `shutdown()`. */
  disconnect?(): Promise<unknown> | unknown;
  /** keyv is an EventEmitter: hotpath attaches an `error` listener so a dead store never crashes the process. */
  on?(event: 'error', listener: (error: unknown) => void): unknown;
}

/** What to invalidate. Fields combine as a union (entries matching any of them). */
export interface InvalidationTarget {
  /** Entries carrying any of these tags. */
  tags?: readonly string[];
  /** Every entry of this namespace (`ClassName.method` unless the method set `namespace`). */
  namespace?: string;
  /** One entry of `namespace`: its key (the argument key, or what the `key` option returned). */
  key?: string;
}

/**
 * Receives invalidations: `@cached` registers one per method and registry. `origin` is
 * `'local'` for this process's own `invalidate()` (drop every tier) and `'remote'` for a
 * message from another process through the bus (the shared tiers are already done: drop the
 * in-process tier only).
 */
export interface Invalidator {
  invalidate(target: InvalidationTarget, origin: 'local' | 'remote'): Promise<void> | void;
  /** Drops every in-process copy: after a bus reconnect, messages may have been missed. */
  dropLocal(): void;
}

/**
 * A cross-process invalidation channel, so every process drops its L1 copies. `hotpath/redis`
 * provides `RedisBus`.
 * Messages carry invalidations only, never values.
 */
export interface InvalidationBus {
  /** Sends `target` to every other process. */
  publish(target: InvalidationTarget): Promise<void> | void;
  /**
   * Delivers other processes' messages to `onMessage` (a bus must not echo the sender's own
   * messages) and calls `onResync` when messages may have been lost (after a reconnect).
   */
  subscribe(
    onMessage: (target: InvalidationTarget) => void,
    onResync: () => void,
  ): void | (() => void);
  /**
   * Asks every process to drop its in-process copies and re-read what it knows of the shared
   * tiers, as after a reconnect. Sent after a store-wide invalidation (more invalidations were
   * waiting for a store than a process keeps). Optional: without it, other processes learn of
   * that invalidation at their next resync.
   */
  resync?(): Promise<void> | void;
  /** Closes the bus's connections; called by `shutdown()`. */
  close?(): Promise<void> | void;
}

/**
 * A cross-process lock for distributed single flight (`hotpath/redis` provides one over
 * `SET NX PX`). `acquire` resolves to a release function when this process holds `key`
 * for up to `ttlMs`, or `null` when another process does.
 */
export interface SingleFlightLock {
  acquire(key: string, ttlMs: number): Promise<(() => Promise<void>) | null>;
  /** Closes the lock's connection; called by `shutdown()` (after the bus). */
  close?(): Promise<void> | void;
}

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
}

/** Context handed to `error` listeners with each error. */
export interface ErrorInfo {
  /** The decorator that caught it, e.g. `'cached'`. */
  decorator?: string;
  /** `ClassName.method`. */
  method?: string;
  /** The store name, for `E_STORE` errors. */
  store?: string;
}

/** Payload of the registry's `slow` event. */
export interface SlowCallEvent {
  /** `ClassName.method` (or the `@profile` name). */
  method: string;
  /** How long the call took, in milliseconds. */
  durationMs: number;
  /** The threshold it exceeded, in milliseconds. */
  thresholdMs: number;
  /** Whether the call ended in an error. */
  error: boolean;
}

/** Listener signatures of {@link Hotpath.on}. */
export interface HotpathEvents {
  error: (error: Error, info: ErrorInfo) => void;
  slow: (event: SlowCallEvent) => void;
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

/** One piece of work `shutdown()` gave up at its timeout. */
export interface AbandonedWork {
  /**
   * The decorator whose work it was (`'batched'`, `'debounce'`, `'throttle'`, `'cached'`, ...;
   * `'rateLimit'` for a limiter still stopping, named in `detail`), or `'onShutdown'` for a hook
   * added with `registry.onShutdown()` that had not settled.
   */
  decorator: string;
  /** The decorated method (`ClassName.method`), when the work belongs to one. */
  method?: string;
  /**
   * How much was given up, in the decorator's unit: batches for `@batched`, invocations for
   * `@debounce`/`@throttle` (the callers folded into one share its promise), background
   * operations for `@cached`, hooks for `'onShutdown'`.
   */
  pending: number;
  /** The same in words, for logs: `'1 batch of 3 items not finished (2 callers rejected)'`. */
  detail: string;
}

/** What `registry.shutdown()` resolves with. */
export interface ShutdownReport {
  /** Work given up at the timeout; empty when everything finished in time. */
  abandoned: AbandonedWork[];
}
