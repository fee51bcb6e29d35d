/**
 * Promises whose resolving functions are written into a record the caller already has (a
 * caller's request, a batch's gate), so that making one allocates no closure
 * (`Promise.withResolvers` needs Node 22).
 */
import { ObservedPromise } from '../core/observed-promise.js';

/** Where a promise's resolving functions go. */
export interface Resolvers {
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** The record the executor below writes into; set just before each `new`. */
let target: Resolvers | undefined;

// One executor shared by every promise made here: it hands the resolving functions to `target`.
function capture(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  target!.resolve = resolve;
  target!.reject = reject;
  target = undefined;
}

/** A new promise; its resolving functions are written into `into`. */
export function promiseInto(into: Resolvers): Promise<unknown> {
  target = into;
  return new Promise(capture);
}

/** A new {@link ObservedPromise}; its resolving functions are written into `into`. */
export function observedPromiseInto(into: Resolvers): ObservedPromise {
  target = into;
  return new ObservedPromise(capture);
}
