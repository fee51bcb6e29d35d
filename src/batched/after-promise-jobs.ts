/**
 * When a tick batch of `@batched` is dispatched: DataLoader's moment, after the promise jobs
 * of the current tick.
 */

let resolvedPromise: Promise<void> | undefined;

/**
 * `process.nextTick` as it was when hotpath loaded. The tick is not a timer: capturing it keeps
 * tick batches working under Jest's fake timers (which replace `process.nextTick` too and
 * would otherwise hold every batch until the test advances them, a known DataLoader trap).
 */
const nextTick: (fn: () => void) => void = process.nextTick.bind(process);

/**
 * Runs `fn` after the promise jobs queued by the current tick, exactly like DataLoader's
 * `enqueuePostPromiseJob`: a `.then` on a resolved promise queues a promise job, and that
 * job queues `fn` on `process.nextTick`, which Node runs once the promise job queue is empty.
 * So every call made synchronously, or inside promise chains that resolve in this tick
 * (`Promise.resolve().then(() => svc.load([b]))`), joins the batch; I/O callbacks and timers
 * come later and start a new one.
 */
export function afterPromiseJobs(fn: () => void): void {
  (resolvedPromise ??= Promise.resolve()).then(() => nextTick(fn));
}
