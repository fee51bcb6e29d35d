/**
 * The figures `stats()` shows for one method under `rateLimit` (kept by reference and updated in
 * place). `running` is only known when something tracks completions (`maxConcurrent`, or the
 * Bottleneck engine); otherwise it is left out.
 */
export class RateLimitFigures {
  /** Calls started (admitted at once or after waiting). */
  started = 0;
  /** Calls in flight (only when tracked). */
  running = 0;
  /** Calls waiting in a queue now. */
  queued = 0;
  /** Calls refused: `onLimit: 'reject'`, a full queue, or shutdown. */
  rejected = 0;
  /** Calls that had to wait before starting. */
  waits = 0;
  /** Total time those calls waited, ms. */
  waitedMs = 0;
  /** Budgets held now, one per key (only with `key`). */
  keys = 0;
  /** Whether `running` is tracked. */
  tracksRunning = false;
  /** Whether `keys` is tracked (the method has `key`). */
  tracksKeys = false;

  toJSON(): Record<string, number> {
    const out: Record<string, number> = {
      started: this.started,
      queued: this.queued,
      rejected: this.rejected,
      waits: this.waits,
      waitedMs: this.waitedMs,
      meanWaitMs: this.waits === 0 ? 0 : this.waitedMs / this.waits,
    };
    if (this.tracksRunning) out.running = this.running;
    if (this.tracksKeys) out.keys = this.keys;
    return out;
  }
}
