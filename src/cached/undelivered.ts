/**
 * The invalidations a shared tier has not taken yet. An invalidation is a write (stamp a mark,
 * delete an entry); when the store cannot take it (down, frozen, its circuit breaker open),
 * dropping it would leave every process reading the invalidated entries again once the store is
 * back. So it is kept and written:
 *
 * - on a timer while anything is pending: 100 ms after a failed attempt, then 200 ms, then every
 *   250 ms (a store that answers again gets them within a quarter of a second; a dead one gets
 *   at most four attempts a second, each reported by keyv on the registry's `error` event);
 *   the timer never holds the process;
 * - before this process reads anything from the tier (the read waits, within its
 *   `storeTimeout`, or counts as a failed read): this process never serves a read from a tier
 *   that misses one of its own invalidations;
 * - by `shutdown()`, once, before the stores close (what is still pending is then reported).
 *
 * A mark is stamped with the time of the write that lands, not the time it was accepted: a
 * later time invalidates at least as much, and a write that timed out but still reaches the
 * store later can never lower a newer stamp. A write that lands after `deliver` returned (the
 * registry published the invalidation on the bus by then) is handed to `onReplayed`: the
 * invalidation book publishes it again, since other processes may have re-read the store
 * between the first message and this write.
 *
 * The breaker never drops these writes: an open breaker only makes `deliver` queue without
 * trying; the timer keeps trying, and a write that lands closes the breaker.
 *
 * Bounded: at most {@link MAX_UNDELIVERED} distinct keys (the same mark invalidated twice is one).
 * Past that, the list is replaced by one write of the store mark (`hotpath:all`), which
 * invalidates every entry of the store written before it; `onReplayed` then makes every process
 * drop its in-process copies (a bus resync).
 */
import { unrefTimeout, type Clock } from '../core/clock.js';
import { HotpathError } from '../errors.js';
import type { Runtime } from '../core/runtime.js';
import type { InvalidationTarget } from '../core/services.js';
import { markTtl, STORE_MARK } from './shared-keys.js';
import type { StoreTier, TierCaller } from './shared-tier.js';

/** One invalidation write to a shared tier. */
export interface Invalidation {
  /** The store key: a mark to stamp with the current time, or an entry to delete. */
  readonly key: string;
  readonly kind: 'mark' | 'delete';
  /** What it invalidates, to publish again after a retried write. */
  readonly target: InvalidationTarget;
}

/** Most distinct invalidations kept per tier; past it, one store-wide invalidation replaces them. */
const MAX_UNDELIVERED = 10_000;

/** Pause after the first failed attempt; it doubles up to {@link MAX_RETRY_MS}. */
const RETRY_MS = 100;

/** Longest pause between attempts while invalidations are pending. */
const MAX_RETRY_MS = 250;

/** Writes sent at once. */
const BATCH = 100;

/** How long one invalidation write may take. */
const WRITE_TIMEOUT_MS = 250;

interface Pending {
  readonly invalidation: Invalidation;
  /** Not written when `deliver` returned: once written, publish it again. */
  late: boolean;
}

/** Figures of a tier's invalidation writes (`stats().invalidations`). */
export interface UndeliveredFigures {
  /** Invalidations waiting for the store now. */
  pending: number;
  /** Invalidations written after `registry.invalidate()` had returned (the store had not taken them). */
  replayed: number;
  /** Times the bound was reached and a store-wide invalidation replaced the list. */
  overflows: number;
}

/** One tier's undelivered invalidations. */
export class Undelivered {
  /** Called with the invalidations a retry wrote, and the time their marks were stamped with. */
  onReplayed: ((written: readonly Invalidation[], stamp: number) => void) | undefined;
  readonly #tier: StoreTier;
  readonly #registry: Runtime;
  readonly #clock: Clock;
  readonly #items = new Map<string, Pending>();
  /** Past the bound: the store mark is to be written (it covers everything dropped). */
  #everything = false;
  #run: Promise<boolean> | undefined;
  #timer: unknown;
  /** Failed attempts in a row (the retry pause grows with them). */
  #failures = 0;
  /** Whether this outage was reported already. */
  #reported = false;
  #replayed = 0;
  #overflows = 0;
  readonly #caller: TierCaller;

  constructor(tier: StoreTier, registry: Runtime) {
    this.#tier = tier;
    this.#registry = registry;
    this.#clock = registry.clock;
    this.#caller = {
      method: 'registry.invalidate',
      timeoutMs: WRITE_TIMEOUT_MS,
      figures: { storeErrors: 0, storeTimeouts: 0, storeSkipped: 0 },
    };
  }

  /** Invalidations waiting for the store. */
  get size(): number {
    return this.#items.size + (this.#everything ? 1 : 0);
  }

  figures(): UndeliveredFigures {
    return { pending: this.size, replayed: this.#replayed, overflows: this.#overflows };
  }

  /**
   * Writes `invalidations` (and whatever was pending before them). Resolves once written, or
   * kept for later when the store does not take them; at once, without trying, when the
   * breaker is open. Never rejects.
   */
  async deliver(invalidations: readonly Invalidation[]): Promise<void> {
    const added = this.#add(invalidations);
    if (this.#tier.breaker.state === 'open') {
      this.#report('its circuit breaker is open');
      this.#schedule();
    } else {
      await this.flush(true);
    }
    for (const pending of added) pending.late = true;
  }

  /**
   * Writes everything pending; resolves whether nothing is left. `keepAlive`: whether the
   * write timeouts keep the process alive (true when a caller waits for the answer).
   */
  async flush(keepAlive: boolean): Promise<boolean> {
    while (this.size > 0) {
      this.#run ??= this.#writeAll(keepAlive).finally(() => (this.#run = undefined));
      if (!(await this.#run)) return false;
    }
    return true;
  }

  /** Reports what is still pending (at shutdown, when it is lost). */
  reportLost(): void {
    if (this.size === 0) return;
    this.#tier.report(
      new HotpathError(
        'E_STORE',
        `registry.invalidate: store '${this.#tier.name}' did not take ${this.#describe()} before shutdown; they are lost (entries they concern stay until their ttl)`,
      ),
      this.#caller,
    );
  }

  /** Adds `invalidations` to the list; returns what was added. */
  #add(invalidations: readonly Invalidation[]): Pending[] {
    // The store mark, once written, covers every invalidation accepted before it.
    if (this.#everything) return [];
    const added = invalidations.map((invalidation): Pending => ({ invalidation, late: false }));
    for (const pending of added) this.#items.set(pending.invalidation.key, pending);
    if (this.#items.size > MAX_UNDELIVERED) {
      this.#items.clear();
      this.#everything = true;
      this.#overflows++;
      this.#tier.report(
        new HotpathError(
          'E_STORE',
          `registry.invalidate: more than ${MAX_UNDELIVERED} invalidations are waiting for store '${this.#tier.name}'; when it answers, every entry it holds will be invalidated instead`,
        ),
        this.#caller,
      );
      return [];
    }
    return added;
  }

  async #writeAll(keepAlive: boolean): Promise<boolean> {
    while (this.size > 0) {
      const failure = await this.#writeBatch(keepAlive);
      if (failure !== undefined) {
        this.#failures++;
        this.#report(failure);
        this.#schedule();
        return false;
      }
    }
    this.#failures = 0;
    this.#reported = false;
    return true;
  }

  /** One batch of writes; resolves `undefined` when all landed, else why one did not. */
  async #writeBatch(keepAlive: boolean): Promise<string | undefined> {
    const stamp = this.#clock.now() + 1;
    const tier = this.#tier;
    if (this.#everything) {
      const failure = await tier.writeInvalidation(
        { key: STORE_MARK, value: String(stamp), keepAlive },
        this.#caller,
      );
      if (failure !== undefined) return failure;
      this.#everything = false;
      this.#replayed++;
      this.onReplayed?.([{ key: STORE_MARK, kind: 'mark', target: {} }], stamp);
      return undefined;
    }
    const batch: Pending[] = [];
    for (const pending of this.#items.values()) {
      batch.push(pending);
      if (batch.length === BATCH) break;
    }
    const failures = await Promise.all(
      batch.map(({ invalidation: { key, kind } }) =>
        tier.writeInvalidation(
          kind === 'mark'
            ? { key, value: String(stamp), ttlMs: markTtl(key), keepAlive }
            : { key, value: undefined, keepAlive },
          this.#caller,
        ),
      ),
    );
    const replayed: Invalidation[] = [];
    let failure: string | undefined;
    batch.forEach((pending, i) => {
      if (failures[i] !== undefined) {
        failure ??= failures[i];
        return;
      }
      // A newer invalidation of the same key accepted meanwhile stays: it needs its own write.
      if (this.#items.get(pending.invalidation.key) === pending) {
        this.#items.delete(pending.invalidation.key);
      }
      if (pending.late) replayed.push(pending.invalidation);
    });
    if (replayed.length > 0) {
      this.#replayed += replayed.length;
      this.onReplayed?.(replayed, stamp);
    }
    return failure;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#registry.closed) return;
    this.#timer = unrefTimeout(
      this.#clock,
      () => {
        this.#timer = undefined;
        void this.flush(false);
      },
      Math.min(RETRY_MS * 2 ** Math.max(0, this.#failures - 1), MAX_RETRY_MS),
    );
  }

  /** One report per outage: the first time invalidations are kept back. */
  #report(why: string): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#tier.report(
      new HotpathError(
        'E_STORE',
        `registry.invalidate: store '${this.#tier.name}' did not take ${this.#describe()} (${why}); kept and written as soon as it answers`,
      ),
      this.#caller,
    );
  }

  #describe(): string {
    if (this.#everything) return 'a store-wide invalidation';
    return this.#items.size === 1 ? '1 invalidation' : `${this.#items.size} invalidations`;
  }
}
