/**
 * Promises whose rejection never goes unhandled, yet still reaches every caller who awaits it.
 *
 * Decorators that hand one result to callers who may fire and forget (`@debounce`,
 * `@throttle`, write-behind `@batched`) must not turn a failure nobody awaits into an
 * unhandled rejection, and must still report it (to the registry's `error` event). To know
 * whether anyone handles a promise, hotpath has to see its `then()` being called. A native
 * promise's `then` is never called by `await` (the engine reacts to it internally), but
 * `await`, `Promise.all`, `Promise.resolve`, `.catch` and `.finally` all call `then()` on a
 * promise whose constructor is not `Promise`. {@link ObservedPromise} records that call and
 * otherwise behaves exactly like a `Promise`.
 */

function noop(): void {}

/** Microtask turns a caller has to attach a handler after a rejection (Node's own window). */
const GRACE_TURNS = 4;

/** `Promise.prototype.then`, to attach hotpath's own handlers without counting as a caller. */
const nativeThen = Promise.prototype.then;

/**
 * A promise that remembers whether anyone asked for its outcome (`observed`). `instanceof
 * Promise` holds; derived promises (`then`, `catch`, `finally`) are plain promises through
 * `Symbol.species`. Cost: one extra field write per `then()`.
 */
export class ObservedPromise<T = unknown> extends Promise<T> {
  /** Derived promises are plain promises. */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  /** True once a caller called `then()` (directly or through `await`, `catch`, `finally`, `Promise.all`...). */
  observed = false;

  override then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.observed = true;
    return super.then(onFulfilled, onRejected);
  }
}

/**
 * Makes sure a rejection of `promise` is never an unhandled rejection: attaches a handler that
 * does not count as a caller's, and calls `onUnhandled(error)` when no caller has attached one
 * within a few microtask turns of the rejection (the window Node itself allows before it
 * reports an unhandled rejection; `await` registers one turn after the call). Call it before
 * `promise` can reject, or in the same turn as rejecting it.
 */
export function guardRejection(
  promise: ObservedPromise,
  onUnhandled: (error: unknown) => void,
): void {
  nativeThen.call(promise, undefined, (error: unknown) => {
    let turn: Promise<void> = Promise.resolve();
    for (let i = 1; i < GRACE_TURNS; i++) turn = turn.then(noop);
    void turn.then(() => {
      if (!promise.observed) onUnhandled(error);
    });
  });
}

/** Swallows a rejection of `promise` that nobody needs to hear about (a cancellation). */
export function silenceRejection(promise: Promise<unknown>): void {
  nativeThen.call(promise, undefined, noop);
}

/** Resolves when `promise` settles, whichever way, without counting as one of its callers. */
export function whenSettled(promise: Promise<unknown>): Promise<void> {
  return nativeThen.call(promise, noop, noop) as Promise<void>;
}

/**
 * A promise rejected with `error` whose rejection never goes unhandled: when no caller attaches
 * a handler (see {@link guardRejection}), `onUnhandled(error)` hears about it instead. For
 * refusals a caller may fire and forget (a call dropped at shutdown, a limit reached).
 */
export function guardedRejection(
  error: unknown,
  onUnhandled: (error: unknown) => void,
): ObservedPromise<never> {
  let reject!: (error: unknown) => void;
  const promise = new ObservedPromise<never>((_, r) => (reject = r));
  guardRejection(promise, onUnhandled);
  reject(error);
  return promise;
}
