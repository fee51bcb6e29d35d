/**
 * A registry clock a test moves by hand (`createHotpath({ clock: hand.clock })`): `now` only
 * changes when the test (or the code under test) sets it, and timers run when
 * {@link HandClock.runTimers} says so, in the order they were set, each moving `now` up to its
 * due time. For tests that must place a clock reading exactly (between admission and a
 * method's own start, say), which Jest's fake timers cannot.
 */
export class HandClock {
  /** The time every reading returns (ms). */
  now = 0;
  readonly #timers: Array<{ at: number; fn: () => void }> = [];

  /** The clock to give the registry. */
  readonly clock = {
    now: (): number => this.now,
    monotonicNow: (): number => this.now,
    setTimeout: (fn: () => void, ms: number): number =>
      this.#timers.push({ at: this.now + ms, fn }),
    clearTimeout: (): void => {},
  };

  /** Runs every timer, including those set meanwhile, moving `now` to each one's due time. */
  runTimers(): void {
    while (this.#timers.length > 0) {
      const timer = this.#timers.shift()!;
      this.now = Math.max(this.now, timer.at);
      timer.fn();
    }
  }
}
