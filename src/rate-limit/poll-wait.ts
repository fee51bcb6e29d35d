/**
 * How a Redis engine's waiting calls wait between two decisions: as long as the rate says, or,
 * while only `maxConcurrent` or an earlier process blocks (the script answers no wait), a poll
 * that doubles from 2 to 50 ms. A wait is cut short by {@link PollWait.wake}: a call arrived (it
 * may have a higher priority), a call finished, or the engine stops.
 */
export class PollWait {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | undefined;
  #poll = 2;

  /** Waits `ms` (the rate's wait), or the next poll when `ms <= 0`; less when woken. */
  wait(ms: number): Promise<void> {
    if (ms <= 0) {
      ms = this.#poll;
      this.#poll = Math.min(50, this.#poll * 2);
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(this.#timer);
        this.#timer = undefined;
        this.#wake = undefined;
        resolve();
      };
      this.#timer = setTimeout(done, Math.max(1, Math.ceil(ms)));
      this.#wake = done;
    });
  }

  /** A start was granted or a call finished: the next poll starts again at 2 ms. */
  resetPoll(): void {
    this.#poll = 2;
  }

  /** Ends the current wait, if any, now. */
  wake(): void {
    this.#wake?.();
  }
}
