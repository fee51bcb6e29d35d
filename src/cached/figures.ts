/**
 * The figures of one `@cached` method in one registry, as `stats()`, `report()` and
 * `control().stats()` show them. Counters are plain fields updated in place on the hot path.
 */
import type { BreakerState } from './breaker.js';
import type { StoreTier } from './shared-tier.js';

/** Figures of one `@cached` method in one registry (`stats()` / `control().stats()`). */
export class CachedFigures {
  memoryHits = 0;
  readonly storeHits: Record<string, number> = {};
  misses = 0;
  staleServed = 0;
  staleIfError = 0;
  refreshes = 0;
  refreshErrors = 0;
  coalesced = 0;
  lockWaits = 0;
  lockWaitTimeouts = 0;
  /** Lock waits ended early because a poll could not read the shared tiers. */
  lockWaitsAbandoned = 0;
  storeErrors = 0;
  storeTimeouts = 0;
  storeSkipped = 0;
  /** Reads of a tier abandoned because, all operations together, they took over `storeTimeout`. */
  storeReadsAbandoned = 0;
  readonly #tiers: readonly StoreTier[];

  constructor(tiers: readonly StoreTier[]) {
    this.#tiers = tiers;
    for (const t of tiers) this.storeHits[t.name] = 0;
  }

  /** The JSON form `stats()` shows. */
  toJSON(): Record<string, unknown> {
    let hits = this.memoryHits;
    for (const n of Object.values(this.storeHits)) hits += n;
    const out: Record<string, unknown> = {
      hits,
      hitsByTier: { memory: this.memoryHits, ...this.storeHits },
      misses: this.misses,
      staleServed: this.staleServed,
      staleIfError: this.staleIfError,
      refreshes: this.refreshes,
      refreshErrors: this.refreshErrors,
      coalesced: this.coalesced,
    };
    if (this.#tiers.length > 0) {
      const breaker: Record<string, BreakerState> = {};
      for (const t of this.#tiers) breaker[t.name] = t.breaker.state;
      Object.assign(out, {
        storeErrors: this.storeErrors,
        storeTimeouts: this.storeTimeouts,
        storeSkipped: this.storeSkipped,
        storeReadsAbandoned: this.storeReadsAbandoned,
        lockWaits: this.lockWaits,
        lockWaitTimeouts: this.lockWaitTimeouts,
        lockWaitsAbandoned: this.lockWaitsAbandoned,
        breaker,
      });
    }
    return out;
  }
}
