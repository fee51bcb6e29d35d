import { ObservedPromise } from '../core/observed-promise.js';

/**
 * The promise that every caller folded into one `@debounce`/`@throttle` invocation shares:
 * an {@link ObservedPromise} (so a rejection nobody awaits goes to the registry's `error`
 * event, see `core/observed-promise.ts`) that carries its own `resolve`/`reject`. One is made
 * per pending invocation, not per call.
 */
export class SharedResult<T = unknown> extends ObservedPromise<T> {
  /** Settles this promise with the invocation's result (a value or a promise to follow). */
  readonly resolve: (value: T | PromiseLike<T>) => void;
  /** Rejects this promise. */
  readonly reject: (reason: unknown) => void;

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
}
