/**
 * The figures of one `@batched` method in one registry, as `stats()`, `report()` and
 * `control().stats()` show them. Counters are plain fields updated in place.
 */

/**
 * Figures of one `@batched` method in one registry (`registry.stats()`, `control().stats()`).
 * `items` counts what reached the body, `requested` what callers asked for: the difference is
 * what `dedupe` saved.
 */
export class BatchedFigures {
  /** Body calls. */
  batches = 0;
  /** Items handed to the body. */
  items = 0;
  /** Items callers asked for (before dedupe). */
  requested = 0;
  /** Largest body input so far. */
  maxBatchSize = 0;
  /** Batches that failed as a whole: the body threw or rejected, or broke the result contract. */
  errors = 0;
  /** `Error` elements in results (each rejects the callers asking for that item). */
  itemErrors = 0;
  /** Callers rejected by `cancel()`. */
  cancelled = 0;

  toJSON(): Record<string, number> {
    return {
      batches: this.batches,
      items: this.items,
      requested: this.requested,
      dedupeSaved: this.requested - this.items,
      meanBatchSize: this.batches === 0 ? 0 : this.items / this.batches,
      maxBatchSize: this.maxBatchSize,
      errors: this.errors,
      itemErrors: this.itemErrors,
      cancelled: this.cancelled,
    };
  }
}
