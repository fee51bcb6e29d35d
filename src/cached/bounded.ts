/**
 * A bounded shared-tier operation: every store and lock call of `@cached` goes through
 * {@link bounded}, so that a frozen store costs a caller `storeTimeout`, never more.
 */
import { unrefTimeout, type Clock } from '../core/clock.js';

/** What {@link bounded} rejects with when `fn()` took too long (counted apart from failures). */
export class StoreTimeout extends Error {}

/**
 * Settles with `fn()`'s result, or rejects with a `StoreTimeout` after `ms`; a late settlement
 * of `fn()` is absorbed (never an unhandled rejection).
 *
 * `keepAlive`: whether the timer keeps the process alive. True when a caller awaits the
 * answer: a script awaiting a call whose store hangs must get its answer after `ms`, not see
 * the process end under it. False for background work (writes nobody awaits), which must
 * never hold a process open.
 */
export function bounded<T>(
  fn: () => T | PromiseLike<T>,
  ms: number,
  clock: Clock,
  keepAlive = true,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = (keepAlive ? clock.setTimeout.bind(clock) : unrefTimeout.bind(null, clock))(
      () => {
        if (done) return;
        done = true;
        reject(new StoreTimeout(`timed out after ${ms} ms`));
      },
      ms,
    );
    const finish = (ok: boolean, value: unknown): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      if (ok) resolve(value as T);
      else reject(value);
    };
    try {
      Promise.resolve(fn()).then(
        (v) => finish(true, v),
        (e: unknown) => finish(false, e),
      );
    } catch (error) {
      finish(false, error);
    }
  });
}
