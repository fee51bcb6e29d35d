/**
 * The sliding window (`algorithm: 'sliding-window'`, the default): a call may start iff fewer
 * than `limit` calls started in the last `interval` ms, i.e. iff the `limit`-th previous start is
 * at least `interval` ms old. So any half-open window `[t, t + interval)` holds at most `limit`
 * starts: exact, which suits external quotas.
 */
import type { LocalEngineSettings } from './local-engine.js';
import type { RateAlgorithm } from './rate-algorithm.js';

/**
 * The starts of the last `interval`, as a ring of (time, count) pairs. Start times are rounded
 * up to a quantum (a power of two: at most 1 ms, about `interval / 4096`), and starts in one
 * quantum share a slot, so memory is bounded by `min(limit, 4097, interval in ms + 1)` slots
 * instead of `limit` timestamps, whatever `limit` is. Rounding up counts a start as slightly
 * later than it was, which can only delay a later start, never let one through early; whole
 * milliseconds stay exact. Starts older than `interval` are dropped as time passes.
 * Equivalent to a ring of the last `limit` start times: with expired starts dropped, "fewer than
 * `limit` starts in the last `interval`" is `total < limit`, and the wait is until the oldest
 * kept start leaves the window.
 */
export class SlidingWindow implements RateAlgorithm {
  readonly timesStarts = true;
  readonly #limit: number;
  readonly #interval: number;
  readonly #quantum: number;
  #times: number[] = new Array<number>(2);
  #counts: number[] = new Array<number>(2);
  #head = 0;
  #size = 0;
  /**
   * Starts within the window (after {@link SlidingWindow.#expire}), including those reserved
   * and not committed yet (a call in its synchronous part), which are in no slot.
   */
  #total = 0;

  constructor(settings: Pick<LocalEngineSettings, 'limit' | 'interval'>) {
    this.#limit = settings.limit;
    this.#interval = settings.interval;
    this.#quantum = Math.min(1, 2 ** Math.ceil(Math.log2(settings.interval / 4096)));
  }

  get idleAfter(): number {
    return this.#interval;
  }

  wait(now: number): number {
    this.#expire(now);
    if (this.#total < this.#limit) return 0;
    // After #expire, the oldest start is less than `interval` old: the wait is positive. With
    // no slot, the window is full of reserved starts (a re-entrant call), counted from now on.
    return this.#size > 0 ? this.#times[this.#head]! + this.#interval - now : this.#interval;
  }

  /**
   * Room whatever the time: the count before expiring anything can only be larger than after,
   * so a window with room now has room at any later reading.
   */
  reserve(): boolean {
    if (this.#total >= this.#limit) return false;
    this.#total++;
    return true;
  }

  commit(now: number): void {
    // Starts that left the window go here too: calls admitted by `reserve` alone never ask `wait`.
    this.#expire(now);
    this.#slot(this.#round(now));
  }

  isIdle(now: number, lastStart: number): boolean {
    return now - lastStart >= this.#interval;
  }

  /** `time` rounded up to the quantum (exact: the quantum is a power of two). */
  #round(time: number): number {
    return Math.ceil(time / this.#quantum) * this.#quantum;
  }

  /** Drops starts at least `interval` old. */
  #expire(now: number): void {
    const cap = this.#times.length;
    while (this.#size > 0 && now - this.#times[this.#head]! >= this.#interval) {
      this.#total -= this.#counts[this.#head]!;
      this.#head = this.#head + 1 === cap ? 0 : this.#head + 1;
      this.#size--;
    }
  }

  /**
   * Moves the starts recorded at or after `from` to `to` (later): the start made at `from`,
   * and any a re-entrant call made since. Keeps the ring in time order.
   */
  restamp(from: number, to: number): void {
    const cap = this.#times.length;
    const time = this.#round(to);
    for (let i = this.#size - 1; i >= 0; i--) {
      const at = (this.#head + i) % cap;
      if (this.#times[at]! < from) return;
      this.#times[at] = time;
    }
  }

  record(now: number): void {
    this.#total++;
    this.#slot(this.#round(now));
  }

  /** One more start in the slot of `time` (not counted in the total here). */
  #slot(time: number): void {
    const cap = this.#times.length;
    if (this.#size > 0) {
      const last = (this.#head + this.#size - 1) % cap;
      if (this.#times[last] === time) {
        this.#counts[last]!++;
        return;
      }
    }
    if (this.#size === cap) this.#grow();
    const at = (this.#head + this.#size) % this.#times.length;
    this.#times[at] = time;
    this.#counts[at] = 1;
    this.#size++;
  }

  #grow(): void {
    const cap = this.#times.length;
    const times = new Array<number>(cap * 2);
    const counts = new Array<number>(cap * 2);
    for (let i = 0; i < this.#size; i++) {
      times[i] = this.#times[(this.#head + i) % cap]!;
      counts[i] = this.#counts[(this.#head + i) % cap]!;
    }
    this.#times = times;
    this.#counts = counts;
    this.#head = 0;
  }
}
