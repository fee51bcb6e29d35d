/**
 * The time source every decorator reads. The default looks the globals up on each call (not
 * once at import), so Jest's fake timers installed after hotpath is imported still apply.
 */
export interface Clock {
  /** Milliseconds since the epoch (or any monotonic origin the clock chooses). */
  now(): number;
  /** Schedules `fn` after `ms`; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a handle returned by {@link Clock.setTimeout}. */
  clearTimeout(handle: unknown): void;
}

/** Real time through the (possibly faked) globals `Date.now`, `setTimeout`, `clearTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Like `clock.setTimeout`, but the timer never keeps the process alive on its own
 * (`unref`, where the handle supports it). Use it for timeouts and background refreshes.
 */
export function unrefTimeout(clock: Clock, fn: () => void, ms: number): unknown {
  const handle = clock.setTimeout(fn, ms);
  (handle as { unref?: () => void } | undefined)?.unref?.();
  return handle;
}
