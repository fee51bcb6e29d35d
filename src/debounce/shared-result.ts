/**
 * The promise that every caller folded into one `@debounce`/`@throttle` invocation shares,
 * and the bookkeeping that keeps its rejection from ever going unhandled.
 *
 * Why a `Promise` subclass: to know whether any caller handles the result, hotpath has to see
 * its `then()` being called. A native promise's `then` is never called by `await` (the engine
 * reacts to it internally), but `await`, `Promise.all`, `Promise.resolve`, `.catch` and
 * `.finally` all call `then()` on a promise whose constructor is not `Promise`. The subclass
 * records that call and otherwise behaves exactly like a `Promise` (`instanceof Promise`,
 * derived promises are plain `Promise`s through `Symbol.species`).
 */

function noop(): void {}

/** How many microtask turns a caller has to attach a handler before a rejection counts as unhandled. */
const GRACE_TURNS = 4;

/**
 * A promise with its own `resolve`/`reject`, that remembers whether anyone asked for its
 * outcome (`observed`). One is made per pending invocation, not per call.
 */
export class SharedResult<T = unknown> extends Promise<T> {
  /** Derived promises (`then`, `catch`, `finally`) are plain promises. */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  /** Settles this promise with the invocation's result (a value or a promise to follow). */
  readonly resolve: (value: T | PromiseLike<T>) => void;
  /** Rejects this promise. */
  readonly reject: (reason: unknown) => void;
  /** True once a caller called `then()` (directly or through `await`, `catch`, `finally`, `Promise.all`...). */
  observed = false;

  constructor(
    executor?: (
      resolve: (value: T | PromiseLike<T>) => void,
      reject: (reason: unknown) => void,
    ) => void,
  ) {
    let res!: (value: T | PromiseLike<T>) => void;
    let rej!: (reason: unknown) => void;
    super((resolve, reject) => {
      res = resolve;
      rej = reject;
      executor?.(resolve, reject);
    });
    this.resolve = res;
    this.reject = rej;
  }

  override then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.observed = true;
    return super.then(onFulfilled, onRejected);
  }
}

const nativeThen = Promise.prototype.then;

/**
 * Makes sure a rejection of `shared` is never an unhandled rejection: attaches a handler
 * that does not count as a caller's, and calls `onUnhandled(error)` when no caller has
 * attached one within a few microtask turns of the rejection (the window Node itself allows
 * before it reports an unhandled rejection; `await` on the shared promise registers one turn
 * after the call). Call it before `shared` can reject.
 */
export function guardRejection(shared: SharedResult, onUnhandled: (error: unknown) => void): void {
  nativeThen.call(shared, undefined, (error: unknown) => {
    let turn: Promise<void> = Promise.resolve();
    for (let i = 1; i < GRACE_TURNS; i++) turn = turn.then(noop);
    void turn.then(() => {
      if (!shared.observed) onUnhandled(error);
    });
  });
}

/** Swallows a rejection of `shared` that nobody needs to hear about (a cancellation). */
export function silenceRejection(shared: SharedResult): void {
  nativeThen.call(shared, undefined, noop);
}

/** Resolves when `promise` settles, whichever way, without counting as one of its callers. */
export function whenSettled(promise: Promise<unknown>): Promise<void> {
  return nativeThen.call(promise, noop, noop) as Promise<void>;
}
