/**
 * The token bucket (`algorithm: 'token-bucket'`): smoothed traffic, up to `burst` calls at once
 * after a quiet period, then `limit` per `interval`, refilled continuously.
 */
import type { LocalEngineSettings } from './local-engine.js';
import type { RateAlgorithm } from './rate-algorithm.js';

/**
 * A level in units of `1/limit` ms-tokens: capacity `burst * interval`, a call costs `interval`,
 * time refills `limit` per ms (exact for whole-millisecond clocks; a wait is rounded up to the
 * next millisecond, so rounding never lets a call start early). Starts full.
 */
export class TokenBucket implements RateAlgorithm {
  readonly timesStarts = false;
  readonly #limit: number;
  readonly #interval: number;
  readonly #capacity: number;
  #level: number;
  #refilledAt = Number.NaN;

  constructor(settings: Pick<LocalEngineSettings, 'limit' | 'interval' | 'burst'>) {
    this.#limit = settings.limit;
    this.#interval = settings.interval;
    this.#capacity = settings.burst * settings.interval;
    this.#level = this.#capacity;
  }

  /** The time the bucket takes to refill from empty. */
  get idleAfter(): number {
    return this.#capacity / this.#limit;
  }

  wait(now: number): number {
    this.#refill(now);
    return this.#level < this.#interval
      ? Math.ceil((this.#interval - this.#level) / this.#limit)
      : 0;
  }

  record(): void {
    this.#level -= this.#interval;
  }

  /**
   * Always false: a level is only known after a refill, which needs the time (consuming before
   * it would let a full bucket's refill cap forget the call).
   */
  reserve(): boolean {
    return false;
  }

  commit(): void {}

  restamp(): void {}

  isIdle(now: number): boolean {
    this.#refill(now);
    return this.#level >= this.#capacity;
  }

  #refill(now: number): void {
    if (Number.isNaN(this.#refilledAt)) this.#refilledAt = now;
    const elapsed = now - this.#refilledAt;
    if (elapsed <= 0) return;
    this.#refilledAt = now;
    const level = this.#level + elapsed * this.#limit;
    this.#level = level > this.#capacity ? this.#capacity : level;
  }
}
