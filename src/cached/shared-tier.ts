/**
 * A shared cache tier (L2) as `@cached` uses it: a named `CacheStore` (any keyv instance)
 * behind a timeout and a circuit breaker, whose operations never throw, never hang longer than
 * the caller's `storeTimeout`, and report every failure on the registry's `error` event as a
 * `HotpathError` `E_STORE`: a cache must never fail a call because its store does.
 *
 * Two things make what this process reads from the tier trustworthy after trouble:
 *
 * - invalidation writes go around the breaker into the tier's {@link Undelivered} list when
 *   the store does not take them, and a read first writes what is pending there;
 * - after the store reported an error (a lost connection, a failed operation), entries
 *   created before the next operation that succeeds are no longer trusted
 *   ({@link StoreTier.trustedFrom}): the store may have restarted from older data (an
 *   append-only file or a snapshot that predates invalidations it had acknowledged), and this
 *   process cannot tell. A frozen store (timeouts only) keeps its data and does not count.
 *
 * One tier per store per registry, shared by every `@cached` method of that registry.
 */
import { eventChannel, publishEvent } from '../core/channels.js';
import { errorMessage } from '../core/error-message.js';
import type { SiteInfo } from '../core/site.js';
import { HotpathError } from '../errors.js';
import { PerRuntime } from '../core/per-runtime.js';
import type { Runtime } from '../core/runtime.js';
import type { CacheStore } from '../core/services.js';
import { bounded, StoreTimeout } from './bounded.js';
import { breakerSettings, CircuitBreaker } from './breaker.js';
import { directGetOf, type DirectGet } from './direct-get.js';
import { Undelivered } from './undelivered.js';

/** Per-method counters a tier updates (the method's `stats()`). */
interface StoreFigures {
  storeErrors: number;
  storeTimeouts: number;
  storeSkipped: number;
}

/** Who is asking: for messages, `stats()` and the timeout. */
export interface TierCaller {
  /** `ClassName.method`. */
  readonly method: string;
  /** Milliseconds an operation may take before it counts as failed. */
  readonly timeoutMs: number;
  readonly figures: StoreFigures;
  /** The decorated method, when there is one: failures are also published as `store-error` events. */
  readonly site?: SiteInfo;
}

/** What a failed or skipped operation answers. */
export const FAILED: unique symbol = Symbol('hotpath.store-failed');

/** One invalidation write ({@link StoreTier.writeInvalidation}). */
export interface InvalidationWrite {
  readonly key: string;
  /** The mark's stamp to write; undefined deletes `key` (an entry). */
  readonly value: string | undefined;
  /** Expiry of the written mark; undefined for none. */
  readonly ttlMs?: number;
  /** Whether its timeout keeps the process alive: a caller waits for it (see {@link bounded}). */
  readonly keepAlive: boolean;
}

/** A named store of one registry, with its breaker. */
export class StoreTier {
  readonly name: string;
  readonly store: CacheStore;
  readonly breaker: CircuitBreaker;
  /** Invalidations the store has not taken yet. */
  readonly undelivered: Undelivered;
  /**
   * Entries created (by any process) before this clock time are not trusted: set when an
   * operation succeeds after the store reported an error. 0 until then.
   */
  trustedFrom = 0;
  /** The store reported an error since the last operation that succeeded. */
  #troubled = false;
  readonly #registry: Runtime;
  /** The store's direct read (see direct-get.ts), used for `get` when it has one. */
  readonly #directGet: DirectGet | undefined;

  constructor(registry: Runtime, name: string, store: CacheStore) {
    this.#registry = registry;
    this.name = name;
    this.store = store;
    this.#directGet = directGetOf(store);
    this.breaker = new CircuitBreaker(breakerSettings(store), registry.clock);
    this.undelivered = new Undelivered(this, registry);
    // keyv re-emits its adapter's connection errors and failed operations here.
    store.on?.('error', () => {
      this.#troubled = true;
    });
  }

  /**
   * The stored string, `undefined` on a miss, {@link FAILED} when the store failed or was
   * skipped, or when invalidations of this process are still waiting for it (written first,
   * within the caller's timeout).
   */
  get(key: string, caller: TierCaller): Promise<unknown> {
    if (!this.breaker.allow()) {
      caller.figures.storeSkipped++;
      return Promise.resolve(FAILED);
    }
    if (this.undelivered.size > 0) return this.#getAfterDelivery(key, caller);
    return this.#read(key, caller);
  }

  /** {@link get} once the pending invalidations are written (within the caller's timeout). */
  async #getAfterDelivery(key: string, caller: TierCaller): Promise<unknown> {
    const delivered = await bounded(
      () => this.undelivered.flush(true),
      caller.timeoutMs,
      this.#registry.clock,
    ).catch(() => false);
    if (!delivered) {
      // Counts as a failed operation: a half-open breaker's trial must end either way.
      caller.figures.storeSkipped++;
      this.#breakerFailure(caller);
      return FAILED;
    }
    return this.#read(key, caller);
  }

  /** The store's `get` of `key`, bounded (directly when the store offers it: direct-get.ts). */
  #read(key: string, caller: TierCaller): Promise<unknown> {
    const direct = this.#directGet;
    return this.#run('get', caller, direct ? () => direct(key) : () => this.store.get(key), true);
  }

  /**
   * Writes `value` in the background; `ttlMs` undefined means no expiry. Resolves to false when
   * the write failed or was skipped. No caller awaits these writes (entries filled after a
   * computation or a lower tier's hit, marks recreated after a read), so their timeout never
   * keeps the process alive (see {@link bounded}).
   */
  async set(
    key: string,
    value: string,
    ttlMs: number | undefined,
    caller: TierCaller,
  ): Promise<boolean> {
    if (!this.breaker.allow()) {
      caller.figures.storeSkipped++;
      return false;
    }
    const ttl = storeTtl(ttlMs);
    const set = await this.#run('set', caller, () => this.store.set(key, value, ttl), false);
    return set !== FAILED;
  }

  /**
   * An invalidation write, around the breaker: sets `key` to `value` (a mark's stamp), or
   * deletes it when `value` is undefined. Resolves `undefined` when it landed, else a short
   * description of the failure (failures are not reported one by one and do not count against
   * the breaker: the {@link Undelivered} list reports once per outage and retries). One that
   * lands closes the breaker: the store answers again.
   */
  async writeInvalidation(
    write: InvalidationWrite,
    caller: TierCaller,
  ): Promise<string | undefined> {
    const { key, value } = write;
    const ttl = storeTtl(write.ttlMs);
    const fn =
      value === undefined ? () => this.store.delete(key) : () => this.store.set(key, value, ttl);
    try {
      await bounded(fn, caller.timeoutMs, this.#registry.clock, write.keepAlive);
    } catch (error) {
      return this.#failed(caller, error);
    }
    this.#succeeded();
    return undefined;
  }

  /**
   * Counts a failed store operation (a timeout, or an error that makes the tier distrust what it
   * held) and says what happened, for the report.
   */
  #failed(caller: TierCaller, error: unknown): string {
    if (error instanceof StoreTimeout) {
      caller.figures.storeTimeouts++;
      return error.message;
    }
    caller.figures.storeErrors++;
    this.#troubled = true;
    return `failed: ${errorMessage(error)}`;
  }

  /** Runs `fn` bounded by the caller's timeout: its value, or {@link FAILED} (reported). */
  #run(op: string, caller: TierCaller, fn: () => unknown, keepAlive: boolean): Promise<unknown> {
    return bounded(fn, caller.timeoutMs, this.#registry.clock, keepAlive).then(
      this.#answered,
      (error: unknown) => this.#runFailed(op, caller, error),
    );
  }

  /** An operation answered (a class field: one function for every call). */
  readonly #answered = (value: unknown): unknown => {
    this.#succeeded();
    return value;
  };

  #runFailed(op: string, caller: TierCaller, error: unknown): typeof FAILED {
    const what = this.#failed(caller, error);
    this.#report(
      new HotpathError(
        'E_STORE',
        `@cached on ${caller.method}: store '${this.name}' ${op} ${what}`,
        { cause: error instanceof StoreTimeout ? undefined : error },
      ),
      caller,
    );
    this.#breakerFailure(caller);
    return FAILED;
  }

  /** Tells the breaker about a failure; reports when that opens it. */
  #breakerFailure(caller: TierCaller): void {
    if (!this.breaker.failure()) return;
    const { failures, cooldownMs } = this.breaker.settings;
    this.#report(
      new HotpathError(
        'E_STORE',
        `@cached on ${caller.method}: store '${this.name}' failed ${failures} times in a row; skipping it for ${cooldownMs} ms`,
      ),
      caller,
    );
  }

  #succeeded(): void {
    this.breaker.success();
    if (this.#troubled) {
      this.#troubled = false;
      this.trustedFrom = this.#registry.clock.now();
    }
  }

  /** Reports a problem that is not an operation failure (e.g. an undecodable value). */
  report(error: HotpathError, caller: TierCaller): void {
    this.#report(error, caller);
  }

  #report(error: HotpathError, caller: TierCaller): void {
    this.#registry.emitError(error, {
      decorator: 'cached',
      method: caller.method,
      store: this.name,
    });
    if (caller.site && eventChannel.hasSubscribers) {
      publishEvent('cached', 'store-error', caller.site, { store: this.name, error });
    }
  }
}

/** A ttl as stores take it: whole milliseconds, at least 1; undefined for none. */
function storeTtl(ttlMs: number | undefined): number | undefined {
  return ttlMs === undefined ? undefined : Math.max(1, Math.ceil(ttlMs));
}

const tiersOf = new PerRuntime(() => new Map<string, StoreTier>());

/**
 * The tier for store `name` of `registry`, created on first use; `undefined` when the registry
 * has no such store.
 */
export function storeTier(registry: Runtime, name: string): StoreTier | undefined {
  const tiers = tiersOf.get(registry);
  let tier = tiers.get(name);
  if (!tier) {
    const store = Object.prototype.hasOwnProperty.call(registry.stores, name)
      ? registry.stores[name]
      : undefined;
    if (!store) return undefined;
    tiers.set(name, (tier = new StoreTier(registry, name, store)));
  }
  return tier;
}
