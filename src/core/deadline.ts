/**
 * A bounded wait: for closing connections and stopping limiters whose server may be frozen
 * (a QUIT that a frozen Redis never answers), where waiting for ever would hold up shutdown.
 */

/** Marker resolved by {@link withDeadline} when the deadline passed first. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * Settles with `promise`, or with {@link TIMED_OUT} after `ms`, whichever comes first. The
 * timer is `unref`ed and cleared: a bounded wait never keeps the process alive. A rejection
 * of `promise` after the deadline is swallowed (the caller has moved on).
 */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
    timer.unref();
  });
  promise.catch(() => {});
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
