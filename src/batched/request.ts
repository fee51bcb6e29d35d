/**
 * A caller of `@batched` with several items (or any caller while the method may be
 * write-behind): one record per caller, filled as the batches holding its items answer.
 */
import {
  type ObservedPromise,
  guardRejection,
  silenceRejection,
} from '../core/observed-promise.js';
import { observedPromiseInto, promiseInto, type Resolvers } from './resolvers.js';

function noop(): void {}

/**
 * A caller with several items (or any caller while the method may be write-behind): its
 * promise's settle functions and the slice being filled.
 */
export class Request implements Resolvers {
  resolve: (value: unknown) => void = noop;
  reject: (reason: unknown) => void = noop;
  /** The caller's promise. */
  readonly promise: Promise<unknown>;
  /** Set for observed callers ({@link ObservedPromise}): where a failure nobody awaits goes. */
  readonly onUnhandled: ((error: unknown) => void) | undefined;
  /** Results at the caller's own positions. */
  readonly out: unknown[];
  /** Items still unanswered; 0 once resolved, -1 once rejected (later answers are ignored). */
  remaining: number;
  /** Some batch holding its items was write-behind (resolved to nothing): resolve to nothing. */
  writeBehind = false;

  /**
   * A caller of `n` items. With `onUnhandled`, its promise is an {@link ObservedPromise}, and
   * a failure nobody awaits goes there; without, a plain promise.
   */
  constructor(n: number, onUnhandled?: (error: unknown) => void) {
    this.out = new Array<unknown>(n);
    this.remaining = n;
    this.onUnhandled = onUnhandled;
    this.promise = onUnhandled === undefined ? promiseInto(this) : observedPromiseInto(this);
  }

  /**
   * Rejects the caller with `error`. `ours`: a rejection hotpath makes (`E_CANCELLED`,
   * `E_SHUTDOWN`), which must never become an unhandled rejection, even for a caller who
   * fired and forgot; otherwise the body's own failure, which reaches an unobserved caller
   * exactly as an undecorated method's would.
   */
  fail(error: unknown, ours = false): void {
    if (this.remaining <= 0) return;
    this.remaining = -1;
    this.reject(error);
    if (this.onUnhandled !== undefined) {
      guardRejection(this.promise as ObservedPromise, this.onUnhandled);
    } else if (ours) {
      silenceRejection(this.promise);
    }
  }
}
