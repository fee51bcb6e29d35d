/**
 * The shared services a registry hands its decorators: cache tiers, the invalidation bus and
 * the single-flight lock, and the invalidation messages between them. Structural on purpose: a
 * keyv instance is a {@link CacheStore} without hotpath importing keyv, so consumers who never
 * use a shared store never load it.
 */

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
