/**
 * The engine of `@batched`: per-owner queues of batches, their scheduling (DataLoader's tick,
 * a `maxWait` timer, or at once when full), the body call, and the fan-out of its result to
 * every caller's slice. The shapes that keep a call cheap are described in `batch.ts`.
 */
import { Call } from '../core/call.js';
import { publishEvent } from '../core/channels.js';
import { argumentKey, mapKey } from '../core/key.js';
import { PASS, type Invoke, type Shortcut, type SiteInfo } from '../core/site.js';
import { PerOwner } from '../core/state.js';
import { HotpathError } from '../errors.js';
import { runtimeOf } from '../core/runtime-of.js';
import type { Runtime } from '../core/runtime.js';
import { afterPromiseJobs } from './after-promise-jobs.js';
import { Batch, DONE, QUEUED, RUNNING } from './batch.js';
import { distinctInput, expandAnswers } from './dedupe.js';
import { BatchedFigures } from './figures.js';
import { cancelledError, contractError, notAnArrayError } from './messages.js';
import type { ResolvedBatchedOptions } from './options.js';
import { OwnerQueue } from './owner-queue.js';
import { PendingOwners } from './pending-owners.js';
import { WRITTEN } from './picker.js';
import { Request } from './request.js';

/** Why a batch was dispatched (the `reason` of the `dispatch` event). */
export type DispatchReason = 'tick' | 'wait' | 'full' | 'flush';

const NO_REST: readonly unknown[] = Object.freeze([]);

function noop(): void {}

/**
 * One decorated method's batching: created by the layer's `wrap` (once per method), it owns
 * the per-owner queues and runs `inner` (the rest of the chain) once per batch.
 */
export class BatchEngine {
  readonly #states = new PerOwner((owner) => new OwnerQueue(owner));
  /**
   * The queue of the last owner that opened a batch, while it has pending work: calls of one
   * tick usually share an owner, and this skips their `WeakMap` lookup. Dropped once the queue
   * is idle, so it never keeps an owner alive longer than its pending work does.
   */
  #lastQueue: OwnerQueue | undefined = undefined;
  /** Per registry, the owners with pending batches; a registry's shutdown task drains them. */
  readonly #pending: PendingOwners;
  readonly #inner: Invoke;
  readonly #site: SiteInfo;
  readonly #maxBatchSize: number;
  readonly #maxWait: number;
  readonly #dedupe: boolean;
  /**
   * Dedupe as items arrive (a `Map` lookup per item): needed when `maxBatchSize` counts
   * distinct items. Without a size limit, dedupe waits for dispatch, where one pass over
   * primitive items (`allDistinct`) answers "no duplicates" for a fraction of the cost.
   */
  readonly #eager: boolean;
  /**
   * Until a body has resolved to an array, the method may be write-behind, whose callers often
   * fire and forget: every caller then gets an `ObservedPromise`, so that a failed write
   * nobody awaits reaches `registry.on('error')` instead of crashing the process with an
   * unhandled rejection. Once a body returned an array (a read method, whose callers await),
   * single-item callers take the cheap shared-gate path.
   */
  #observeCallers = true;
  /** Errors already reported as unobserved (one report per error, not per caller). */
  readonly #reported = new WeakSet<object>();
  readonly #itemKey: ((item: unknown) => unknown) | undefined;
  readonly #keyOf = (item: unknown): unknown => this.#key(item);

  constructor(inner: Invoke, site: SiteInfo, options: ResolvedBatchedOptions) {
    this.#inner = inner;
    this.#site = site;
    this.#maxBatchSize = options.maxBatchSize;
    this.#maxWait = options.maxWait;
    this.#dedupe = options.dedupe;
    this.#eager = options.dedupe && options.maxBatchSize !== Infinity;
    this.#itemKey = options.itemKey;
    this.#pending = new PendingOwners({
      site,
      holder: this,
      flush: (queue) => this.#flushQueue(queue),
      finish: (batch) => this.#finish(batch),
    });
  }

  /** The per-call entry point: queues the caller's items and returns the promise of its slice. */
  enqueue(call: Call): Promise<unknown> {
    const args = call.args;
    const items = args[0];
    if (!Array.isArray(items)) return Promise.reject(notAnArrayError(this.#site.name, items));
    const n = items.length;
    if (n === 0) return Promise.resolve([]);
    let groupKey: string | undefined;
    let rest = NO_REST;
    if (args.length > 1) {
      // Trailing `undefined`s are the same call as leaving the arguments out (default parameters).
      let end = args.length;
      while (end > 1 && args[end - 1] === undefined) end--;
      if (end > 1) {
        rest = args.slice(1, end);
        try {
          groupKey = argumentKey(rest, this.#site.name);
        } catch (error) {
          return Promise.reject(error);
        }
      }
    }
    const queue = this.#queueOf(call.owner);
    if (n === 1 && !this.#observeCallers) {
      return this.#single(queue, groupKey, rest, call.instance, items);
    }
    const max = this.#maxBatchSize;
    const eager = this.#eager;
    const req = this.#observeCallers
      ? new Request(n, (queue.onUnhandled ??= (error) => this.#unobserved(queue, error)))
      : new Request(n);
    let batch: Batch | undefined;
    try {
      for (let i = 0; i < n; i++) {
        const item = items[i];
        const key = eager ? this.#key(item) : undefined;
        if (batch === undefined || batch.state !== QUEUED) {
          batch = this.#collecting(queue, groupKey, call.instance, rest);
        }
        const slots = (batch.slots ??= []);
        slots.push(req);
        slots.push(i);
        slots.push(batch.add(item, key));
        if (batch.items.length >= max) {
          this.dispatch(batch, 'full');
          batch = undefined;
        }
      }
    } catch (error) {
      // An unkeyable item or a throwing `itemKey`: this caller fails; items it already queued
      // still reach the body (other callers may share them) and their answers are ignored.
      req.fail(error);
    }
    return req.promise;
  }

  /**
   * The site's shortcut (see `Shortcut` in core/site.ts): the commonest call, one array of one
   * item once callers take the shared-gate path, queued without the `Call` and the arguments
   * array the chain would build for it (about a third of what such a call allocated besides
   * the caller's own array; bench/batched.bench.ts). Offered for methods only, where the owner
   * is `this`: the functional form's calls need their `this` for the body. Anything else
   * passes to the chain untouched.
   */
  shortcut(): Shortcut {
    return (owner, argc, arg) => {
      if (argc !== 1 || this.#observeCallers || !Array.isArray(arg) || arg.length !== 1) {
        return PASS;
      }
      return this.#single(this.#queueOf(owner), undefined, NO_REST, owner, arg);
    };
  }

  /** The owner's queue; the last one used skips the `WeakMap` lookup. */
  #queueOf(owner: object): OwnerQueue {
    const last = this.#lastQueue;
    return last !== undefined && last.owner === owner ? last : this.#states.get(owner);
  }

  /**
   * A caller of one item (`items[0]`, read where a throwing index getter rejects the caller)
   * once callers take the shared-gate path: its promise is `gate.then(pick)` (see
   * `batch.ts`).
   */
  #single(
    queue: OwnerQueue,
    groupKey: string | undefined,
    rest: readonly unknown[],
    instance: unknown,
    items: readonly unknown[],
  ): Promise<unknown> {
    let batch: Batch;
    let index: number;
    try {
      const item = items[0];
      const key = this.#eager ? this.#key(item) : undefined;
      batch = this.#collecting(queue, groupKey, instance, rest);
      index = batch.add(item, key);
    } catch (error) {
      return Promise.reject(error);
    }
    const promise = batch.addSingle(index);
    if (batch.items.length >= this.#maxBatchSize) this.dispatch(batch, 'full');
    return promise;
  }

  /**
   * A failure no caller observed goes to the registry's `error` event, once per error;
   * cancellations stay silent.
   */
  #unobserved(queue: OwnerQueue, error: unknown): void {
    if (error instanceof HotpathError && error.code === 'E_CANCELLED') return;
    if (typeof error === 'object' && error !== null) {
      if (this.#reported.has(error)) return;
      this.#reported.add(error);
    }
    (queue.registry ?? runtimeOf(queue.owner)).emitError(error, {
      decorator: 'batched',
      method: this.#site.name,
    });
  }

  /**
   * The dedupe key of `item`: `itemKey(item)` or the item, as a `Map` key ({@link mapKey}: a
   * primitive as it is, an object by its structure). Throws `E_UNKEYABLE` for what has no
   * stable key.
   */
  #key(item: unknown): unknown {
    return mapKey(this.#itemKey === undefined ? item : this.#itemKey(item), this.#site.name);
  }

  /** The collecting batch of the call's group, opened (and scheduled) if there is none. */
  #collecting(
    queue: OwnerQueue,
    groupKey: string | undefined,
    instance: unknown,
    rest: readonly unknown[],
  ): Batch {
    const batch = groupKey === undefined ? queue.main : queue.groups?.get(groupKey);
    if (batch !== undefined && batch.state === QUEUED) return batch;
    return this.#open(queue, groupKey, instance, rest);
  }

  /** Opens (and schedules) a new collecting batch for `groupKey`. */
  #open(
    queue: OwnerQueue,
    groupKey: string | undefined,
    instance: unknown,
    rest: readonly unknown[],
  ): Batch {
    const batch = new Batch({
      queue,
      groupKey,
      instance,
      rest,
      eagerDedupe: this.#eager,
    });
    queue.attach(batch);
    if (!queue.active) {
      this.#pending.add(queue, runtimeOf(queue.owner));
      this.#lastQueue = queue;
    }
    // While the registry shuts down (a flushed body calling this method), new work goes at
    // once: shutdown must not wait out `maxWait`.
    if (this.#maxWait > 0 && !queue.registry!.closed) {
      batch.timer = queue.registry!.clock.setTimeout(
        () => this.dispatch(batch, 'wait'),
        this.#maxWait,
      );
    } else {
      afterPromiseJobs(() => this.dispatch(batch, 'tick'));
    }
    return batch;
  }

  /** Takes an idle queue off its registry's pending list (and out of `#lastQueue`). */
  #release(queue: OwnerQueue): void {
    if (this.#pending.release(queue) && this.#lastQueue === queue) this.#lastQueue = undefined;
  }

  #figures(queue: OwnerQueue): BatchedFigures {
    return (queue.figures ??= queue.registry!.metric(
      this.#site,
      'batched',
      () => new BatchedFigures(),
    ));
  }

  /** Sends a collecting batch to the body now; no-op if it has already gone. */
  dispatch(batch: Batch, reason: DispatchReason): void {
    if (batch.state !== QUEUED) return;
    batch.state = RUNNING;
    const queue = batch.queue;
    queue.detach(batch);
    queue.running.add(batch);
    const input =
      this.#dedupe && !this.#eager
        ? distinctInput(batch, this.#keyOf, this.#itemKey === undefined)
        : batch.items;
    batch.input = input;
    if (input.length === 0) {
      // Deferred dedupe found no item it could key: nothing to send, every caller has its error.
      this.#settle(batch, input);
      return;
    }
    const size = input.length;
    const figures = this.#figures(queue);
    figures.batches++;
    figures.items += size;
    figures.requested += batch.requested;
    if (size > figures.maxBatchSize) figures.maxBatchSize = size;
    publishEvent('batched', 'dispatch', this.#site, () => ({
      size,
      requested: batch.requested,
      reason,
      ...(batch.groupKey === undefined ? {} : { group: batch.groupKey }),
    }));
    let result: unknown;
    try {
      const args = batch.rest.length === 0 ? [input] : [input, ...batch.rest];
      result = this.#inner(new Call(this.#site, batch.instance, queue.owner, args));
    } catch (error) {
      this.#fail(batch, error);
      return;
    }
    if (
      result !== null &&
      (typeof result === 'object' || typeof result === 'function') &&
      typeof (result as PromiseLike<unknown>).then === 'function'
    ) {
      (result as PromiseLike<unknown>).then(
        (value) => this.#settle(batch, value),
        (error: unknown) => this.#fail(batch, error),
      );
    } else {
      this.#settle(batch, result);
    }
  }

  /** The body answered: check the contract and hand every caller its results. */
  #settle(batch: Batch, result: unknown): void {
    // Given up by a shutdown that timed out: its callers already have their answer.
    if (batch.state === DONE) return;
    const n = batch.input.length;
    const slots = batch.slots;
    if (result === undefined) {
      // Write-behind: the body resolved to nothing; its callers resolve once it is written
      // (except those whose item could not be keyed, with deferred dedupe).
      const spread =
        batch.keyErrors === undefined
          ? undefined
          : expandAnswers(batch, new Array<unknown>(n).fill(WRITTEN));
      batch.openGate(spread);
      if (slots !== undefined) {
        for (let k = 0; k < slots.length; k += 3) {
          const r = slots[k] as Request;
          if (r.remaining <= 0) continue;
          const value = spread?.[slots[k + 2] as number];
          if (value instanceof Error) {
            r.fail(value);
            continue;
          }
          r.writeBehind = true;
          if (--r.remaining === 0) r.resolve(undefined);
        }
      }
      this.#finish(batch);
      return;
    }
    if (!Array.isArray(result) || result.length !== n) {
      this.#fail(batch, contractError(this.#site.name, n, result));
      return;
    }
    this.#observeCallers = false;
    let itemErrors = 0;
    for (let i = 0; i < n; i++) if (result[i] instanceof Error) itemErrors++;
    if (itemErrors > 0) this.#figures(batch.queue).itemErrors += itemErrors;
    // Slots index `items`; with deferred dedupe and duplicates, spread the answers back over it.
    const answers = batch.remap === undefined ? result : expandAnswers(batch, result);
    batch.openGate(answers);
    if (slots !== undefined) {
      for (let k = 0; k < slots.length; k += 3) {
        const r = slots[k] as Request;
        if (r.remaining <= 0) continue;
        const value: unknown = answers[slots[k + 2] as number];
        if (value instanceof Error) {
          r.fail(value);
          continue;
        }
        r.out[slots[k + 1] as number] = value;
        if (--r.remaining === 0) r.resolve(r.writeBehind ? undefined : r.out);
      }
    }
    this.#finish(batch);
  }

  /** The batch failed as a whole: every caller still waiting rejects with `error`. */
  #fail(batch: Batch, error: unknown): void {
    if (batch.state === DONE) return;
    this.#figures(batch.queue).errors++;
    batch.rejectAll(error);
    this.#finish(batch);
  }

  #finish(batch: Batch): void {
    batch.finish();
    batch.queue.running.delete(batch);
    this.#release(batch.queue);
  }

  // ---- control ------------------------------------------------------------------------

  /** Whether `owner` has a batch collecting or in its body. */
  pending(owner: object): boolean {
    const queue = this.#states.peek(owner);
    return queue !== undefined && !queue.idle;
  }

  /**
   * Dispatches `owner`'s collecting batches now and resolves when they, and the batches
   * already in their body, have finished. Never rejects: failures go to the callers.
   */
  flush(owner: object): Promise<void> {
    const queue = this.#states.peek(owner);
    return queue === undefined ? Promise.resolve() : this.#flushQueue(queue);
  }

  #flushQueue(queue: OwnerQueue): Promise<void> {
    for (const batch of queue.collecting()) this.dispatch(batch, 'flush');
    if (queue.running.size === 0) return Promise.resolve();
    return Promise.all([...queue.running].map((b) => b.whenDone())).then(noop);
  }

  /**
   * Drops `owner`'s collecting batches: their callers reject with `E_CANCELLED`. Batches
   * already in their body run on.
   */
  cancel(owner: object): void {
    const queue = this.#states.peek(owner);
    if (queue === undefined) return;
    const batches = queue.collecting();
    if (batches.length === 0) return;
    const figures = this.#figures(queue);
    for (const batch of batches) {
      queue.detach(batch);
      const error = cancelledError(this.#site.name, batch.items.length);
      figures.cancelled += batch.rejectAll(error, true);
      batch.state = DONE;
    }
    this.#release(queue);
  }

  /** Figures of this method in `registry`, plus `owner`'s queue state. */
  stats(owner: object, registry: Runtime): Record<string, unknown> {
    const figures = registry.metric(this.#site, 'batched', () => new BatchedFigures());
    const queue = this.#states.peek(owner);
    return {
      ...figures.toJSON(),
      queued: queue === undefined ? 0 : queue.collecting().reduce((n, b) => n + b.items.length, 0),
      running: queue?.running.size ?? 0,
    };
  }
}
