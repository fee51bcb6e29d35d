import nodeProcess from 'node:process';

/**
 * The time source every decorator reads. The default looks the globals up on each call (not
 * once at import), so Jest's fake timers installed after hotpath is imported still apply.
 */
export interface Clock {
  /** Milliseconds since the epoch (or any monotonic origin the clock chooses). */
  now(): number;
  /**
   * Optional. Milliseconds from an arbitrary origin that never go backwards, with
   * sub-millisecond resolution (the system clock reads `performance.now()`). Code that measures
   * the time between two events against a limit (`@rateLimit`'s window and `minTime`) reads it
   * when present: `now()` counts whole milliseconds, so two readings 199 apart may be 199.01 ms
   * or 200.99 ms apart in fact, and wall-clock time can step. A clock without it is read through
   * `now()`.
   */
  monotonicNow?(): number;
  /** Schedules `fn` after `ms`; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a handle returned by {@link Clock.setTimeout}. */
  clearTimeout(handle: unknown): void;
}

/**
 * The longest delay Node's timers honour: 2^31 − 1 ms, about 24.8 days. A longer delay is
 * clamped to 1 ms (with a `TimeoutOverflowWarning`), which turns a 30-day wait into a busy loop.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A timeout longer than {@link MAX_TIMER_MS}: armed in chunks of at most that length, each
 * re-armed from the clock's own `now()` until the deadline is reached. Honours `unref()` /
 * `ref()` like a Node `Timeout` (the current chunk carries the state, and so does every later one).
 */
class LongTimeout {
  readonly #clock: Clock;
  readonly #fn: () => void;
  readonly #deadline: number;
  #handle: unknown;
  #refed = true;
  #cleared = false;

  constructor(clock: Clock, fn: () => void, ms: number) {
    this.#clock = clock;
    this.#fn = fn;
    this.#deadline = clock.now() + ms;
    this.#arm();
  }

  #arm(): void {
    const remaining = this.#deadline - this.#clock.now();
    if (remaining > MAX_TIMER_MS) {
      this.#handle = this.#clock.setTimeout(() => {
        if (!this.#cleared) this.#arm();
      }, MAX_TIMER_MS);
    } else {
      this.#handle = this.#clock.setTimeout(this.#fn, Math.max(0, remaining));
    }
    if (!this.#refed) (this.#handle as { unref?: () => void } | undefined)?.unref?.();
  }

  clear(): void {
    this.#cleared = true;
    this.#clock.clearTimeout(this.#handle);
  }

  unref(): this {
    this.#refed = false;
    (this.#handle as { unref?: () => void } | undefined)?.unref?.();
    return this;
  }

  ref(): this {
    this.#refed = true;
    (this.#handle as { ref?: () => void } | undefined)?.ref?.();
    return this;
  }

  hasRef(): boolean {
    return this.#refed;
  }
}

/**
 * Wraps `clock` so that `setTimeout` honours delays past {@link MAX_TIMER_MS} (re-armed in
 * chunks) instead of firing at once. Delays up to the limit go straight to `clock` with no
 * extra cost. The registry applies it to every clock it is given, so decorators may hand any
 * duration to `registry.clock.setTimeout`.
 */
export function withLongTimeouts(clock: Clock): Clock {
  if ((clock as { [LONG]?: true })[LONG]) return clock;
  const wrapped: Clock & { [LONG]: true } = {
    [LONG]: true,
    now: () => clock.now(),
    ...(clock.monotonicNow && { monotonicNow: () => clock.monotonicNow!() }),
    setTimeout: (fn, ms) =>
      ms > MAX_TIMER_MS ? new LongTimeout(clock, fn, ms) : clock.setTimeout(fn, ms),
    clearTimeout: (handle) => {
      if (handle instanceof LongTimeout) handle.clear();
      else clock.clearTimeout(handle);
    },
  };
  return wrapped;
}

const LONG = Symbol('hotpath.longTimeouts');

/**
 * Real time through the (possibly faked) globals `Date.now`, `performance.now`, `setTimeout`,
 * `clearTimeout`. Jest's modern fake timers fake `performance.now` as well as `Date.now`.
 */
export const systemClock: Clock = withLongTimeouts({
  now: () => Date.now(),
  monotonicNow: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

/**
 * A reader of `clock`'s monotonic time: {@link Clock.monotonicNow} when the clock has it, else
 * {@link Clock.now}; for the system clock, {@link systemMonotonicMs}. One function per clock
 * (the choice is not repeated per reading, and the many users of one clock share it). Its
 * readings are compared only with one another: their origin is the reader's own.
 */
export function monotonicReader(clock: Clock): () => number {
  if (clock === systemClock) return systemMonotonicMs;
  let reader = readers.get(clock);
  if (reader === undefined) {
    reader = clock.monotonicNow ? () => clock.monotonicNow!() : () => clock.now();
    readers.set(clock, reader);
  }
  return reader;
}

const readers = new WeakMap<Clock, () => number>();

/**
 * The system clock's monotonic time in milliseconds, read without going through it:
 * `process.hrtime()` from the `node:process` module (a plain object; Jest's modern fake timers
 * fake its `hrtime` as they fake `performance.now()`). The system clock's `monotonicNow` reads
 * `performance.now()` through two closures and the `performance` global, an accessor on Node's
 * global object (a getter call per reading): about 10 ns more per reading on a 2-core VM.
 */
function systemMonotonicMs(): number {
  const t = nodeProcess.hrtime();
  return t[0] * 1e3 + t[1] / 1e6;
}

/**
 * Like `clock.setTimeout`, but the timer never keeps the process alive on its own
 * (`unref`, where the handle supports it). Use it for timeouts and background refreshes.
 */
export function unrefTimeout(clock: Clock, fn: () => void, ms: number): unknown {
  const handle = clock.setTimeout(fn, ms);
  (handle as { unref?: () => void } | undefined)?.unref?.();
  return handle;
}
