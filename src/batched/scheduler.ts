/**
 * The engine of `@batched`: per-owner queues of batches, their scheduling (DataLoader's tick,
 * a `maxWait` timer, or at once when full), the body call, and the fan-out of its result to
 * every caller's slice.
 *
 * Shapes, chosen for the per-call cost (the benchmark target: 100 000 single-item calls in one
 * tick at least as fast as DataLoader's `load()`, bench/batched.bench.ts):
 * - A single-item caller (the common case) gets `batch.gate.then(picker(index))`: the batch
 *   has one "gate" promise settled with the body's checked result, and `picker(index)` is a
 *   function shared by every batch that turns a result into `[result[index]]` (or throws the
 *   element when it is an `Error`). The caller's promise costs no resolving functions and no
 *   closure of its own; pickers for positions below {@link SHARED_PICKERS} are made once.
 * - A caller with several items is one {@link Request} (its promise's resolve and reject, its
 *   output array, how many items are still unanswered); the batch keeps its slots in one flat
 *   array of triples (request, position, item index), so a slot is no object either.
 */
import { Call } from '../core/call.js';
import { publishEvent } from '../core/channels.js';
import { argumentKey, mapKey } from '../core/key.js';
import { describeValue } from '../core/options.js';
import { ObservedPromise, guardRejection, silenceRejection } from '../core/observed-promise.js';
import type { Invoke, Site } from '../core/site.js';
import { PerOwner } from '../core/state.js';
import { BatchError, HotpathError } from '../errors.js';
import { registryOf } from '../registry/binding.js';
import type { Hotpath } from '../registry/hotpath.js';
import type { AbandonedWork } from '../registry/types.js';
import type { ResolvedBatchedOptions } from './options.js';

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

// The promise executor stores the resolving functions here, so making a caller's promise
// allocates no closure (`Promise.withResolvers` needs Node 22).
let capturedResolve: (value: unknown) => void = noop;
let capturedReject: (reason: unknown) => void = noop;
function capture(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}
function noop(): void {}

/**
 * Positions whose pickers are made once and shared by every `@batched` method (about 100 bytes
 * each, made on first use, so memory follows the largest batch seen: 100 KB for batches of
 * 1 000, at most about 6.5 MB). Beyond it a caller gets a picker of its own.
 */
const SHARED_PICKERS = 65_536;
const pickers: ((result: unknown) => unknown)[] = [];

/** Marks a written item of a write-behind batch whose other items could not all be keyed. */
const WRITTEN = Symbol('written');

function makePicker(index: number): (result: unknown) => unknown {
  return (result) => {
    // `undefined`: a write-behind batch; the contract was checked before the gate opened.
    if (result === undefined) return undefined;
    const value = (result as unknown[])[index];
    if (value instanceof Error) throw value;
    return value === WRITTEN ? undefined : [value];
  };
}

/** The function that turns a checked batch result into the slice of the caller at `index`. */
function picker(index: number): (result: unknown) => unknown {
  if (index >= SHARED_PICKERS) return makePicker(index);
  return (pickers[index] ??= makePicker(index));
}

/**
 * A caller with several items (or any caller while the method may be write-behind): its
 * promise's settle functions and the slice being filled.
 */
class Request {
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  /** The caller's promise. */
  promise: Promise<unknown> | undefined = undefined;
  /** Set for observed callers ({@link ObservedPromise}): where a failure nobody awaits goes. */
  onUnhandled: ((error: unknown) => void) | undefined = undefined;
  /** Results at the caller's own positions. */
  readonly out: unknown[];
  /** Items still unanswered; 0 once resolved, -1 once rejected (later answers are ignored). */
  remaining: number;
  /** Some batch holding its items was write-behind (resolved to nothing): resolve to nothing. */
  writeBehind = false;

  constructor(n: number, resolve: (value: unknown) => void, reject: (reason: unknown) => void) {
    this.resolve = resolve;
    this.reject = reject;
    this.out = new Array<unknown>(n);
    this.remaining = n;
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
    } else if (ours && this.promise !== undefined) {
      silenceRejection(this.promise);
    }
  }
}

const QUEUED = 0;
const RUNNING = 1;
const DONE = 2;

/** Why a batch was dispatched (the `reason` of the `dispatch` event). */
export type DispatchReason = 'tick' | 'wait' | 'full' | 'flush';

/** A batch: collecting (`QUEUED`), in its body (`RUNNING`), or finished/cancelled (`DONE`). */
class Batch {
  state = QUEUED;
  /**
   * Queued items: distinct ones when deduping as they arrive, every requested one otherwise
   * (no dedupe, or dedupe deferred to dispatch).
   */
  readonly items: unknown[] = [];
  /** Item key ({@link mapKey}) → index in `items`; eager dedupe only. */
  readonly keys: Map<unknown, number> | undefined;
  /** Items callers asked for (before dedupe). */
  requested = 0;
  /**
   * The promises of the single-item callers waiting on `gate` (kept so that a cancellation or
   * a shutdown can keep their rejection from going unhandled).
   */
  singles: Promise<unknown>[] | undefined = undefined;
  /** Settled with the checked result (or the failure); single-item callers chain on it. */
  gate: Promise<unknown> | undefined = undefined;
  openGate: (result: unknown) => void = noop;
  closeGate: (error: unknown) => void = noop;
  /** Callers with several items: triples (Request, position in its output, index in `items`). */
  slots: unknown[] | undefined = undefined;
  /** What the body received (set at dispatch). */
  input: unknown[] = this.items;
  /** Deferred dedupe: some queued item is an object (the `Set` shortcut does not apply). */
  hasObjects = false;
  /** Deferred dedupe with duplicates: `items` position → body input index (-1: unkeyable). */
  remap: number[] | undefined = undefined;
  /** Deferred dedupe: why the item at a position could not be keyed. */
  keyErrors: Map<number, unknown> | undefined = undefined;
  timer: unknown = undefined;
  waiters: (() => void)[] | undefined = undefined;

  constructor(
    readonly queue: OwnerQueue,
    readonly groupKey: string | undefined,
    readonly instance: unknown,
    readonly rest: readonly unknown[],
    eagerDedupe: boolean,
  ) {
    this.keys = eagerDedupe ? new Map() : undefined;
  }

  /** Resolves when the batch has finished (at once if it has). */
  whenDone(): Promise<void> {
    if (this.state === DONE) return Promise.resolve();
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }
}

/** One owner's batches: the collecting one per `rest` group, and those in flight. */
class OwnerQueue {
  /** Collecting batch of calls without `rest` arguments (the common case, no map lookup). */
  main: Batch | undefined = undefined;
  /** Collecting batches per `rest` key. */
  groups: Map<string, Batch> | undefined = undefined;
  /** Batches still collecting. */
  queued = 0;
  readonly running = new Set<Batch>();
  registry: Hotpath | undefined = undefined;
  figures: BatchedFigures | undefined = undefined;
  /** Listed in its registry's set of owners with pending work (for `shutdown()`). */
  active = false;
  /** Reports a failure no caller observed to the registry (made on first need). */
  onUnhandled: ((error: unknown) => void) | undefined = undefined;

  constructor(readonly owner: object) {}

  get idle(): boolean {
    return this.queued === 0 && this.running.size === 0;
  }

  collecting(): Batch[] {
    const out: Batch[] = [];
    if (this.main) out.push(this.main);
    if (this.groups) out.push(...this.groups.values());
    return out;
  }
}

/**
 * Figures of one `@batched` method in one registry (`registry.stats()`, `control().stats()`).
 * `items` counts what reached the body, `requested` what callers asked for: the difference is
 * what `dedupe` saved.
 */
export class BatchedFigures {
  /** Body calls. */
  batches = 0;
  /** Items handed to the body. */
  items = 0;
  /** Items callers asked for (before dedupe). */
  requested = 0;
  /** Largest body input so far. */
  maxBatchSize = 0;
  /** Batches that failed as a whole: the body threw or rejected, or broke the result contract. */
  errors = 0;
  /** `Error` elements in results (each rejects the callers asking for that item). */
  itemErrors = 0;
  /** Callers rejected by `cancel()`. */
  cancelled = 0;

  toJSON(): Record<string, number> {
    return {
      batches: this.batches,
      items: this.items,
      requested: this.requested,
      dedupeSaved: this.requested - this.items,
      meanBatchSize: this.batches === 0 ? 0 : this.items / this.batches,
      maxBatchSize: this.maxBatchSize,
      errors: this.errors,
      itemErrors: this.itemErrors,
      cancelled: this.cancelled,
    };
  }
}

const NO_REST: readonly unknown[] = Object.freeze([]);

/**
 * Whether primitive `items` hold no duplicates (by SameValueZero, as `Map` keys). Integer ids,
 * the usual batch, are checked with a byte map when they are dense enough (a few ns per item);
 * anything else with one `Set` built in a single native call.
 */
function allDistinct(items: readonly unknown[]): boolean {
  const n = items.length;
  let max = 0;
  let ints = true;
  for (let k = 0; k < n; k++) {
    const x = items[k];
    if (typeof x !== 'number' || !(x >= 0) || x > 0x3fffffff || (x | 0) !== x) {
      ints = false;
      break;
    }
    if (x > max) max = x;
  }
  if (ints && max < 8 * n + 65_536) {
    const seen = new Uint8Array(max + 1);
    for (let k = 0; k < n; k++) {
      const x = items[k] as number;
      if (seen[x] === 1) return false;
      seen[x] = 1;
    }
    return true;
  }
  return new Set(items).size === n;
}
function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}

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
  /** Per registry, the owners with pending batches; a registry's shutdown hook drains it. */
  readonly #active = new WeakMap<Hotpath, Set<OwnerQueue>>();
  readonly #inner: Invoke;
  readonly #site: Site;
  readonly #maxBatchSize: number;
  readonly #maxWait: number;
  readonly #dedupe: boolean;
  /**
   * Dedupe as items arrive (a `Map` lookup per item): needed when `maxBatchSize` counts
   * distinct items. Without a size limit, dedupe waits for dispatch, where one pass over
   * primitive items ({@link allDistinct}) answers "no duplicates" for a fraction of the cost.
   */
  readonly #eager: boolean;
  /**
   * Until a body has resolved to an array, the method may be write-behind, whose callers often
   * fire and forget: every caller then gets an {@link ObservedPromise}, so that a failed write
   * nobody awaits reaches `registry.on('error')` instead of crashing the process with an
   * unhandled rejection. Once a body returned an array (a read method, whose callers await),
   * single-item callers take the cheap shared-gate path.
   */
  #observeCallers = true;
  /** Errors already reported as unobserved (one report per error, not per caller). */
  readonly #reported = new WeakSet<object>();
  readonly #itemKey: ((item: unknown) => unknown) | undefined;

  constructor(inner: Invoke, site: Site, options: ResolvedBatchedOptions) {
    this.#inner = inner;
    this.#site = site;
    this.#maxBatchSize = options.maxBatchSize;
    this.#maxWait = options.maxWait;
    this.#dedupe = options.dedupe;
    this.#eager = options.dedupe && options.maxBatchSize !== Infinity;
    this.#itemKey = options.itemKey;
  }

  /** The per-call entry point: queues the caller's items and returns the promise of its slice. */
  enqueue(call: Call): Promise<unknown> {
    const args = call.args;
    const items = args[0];
    if (!Array.isArray(items)) {
      return Promise.reject(
        new TypeError(
          `@batched ${this.#site.name}: the first argument must be an array of items, got ${describeValue(items)}`,
        ),
      );
    }
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
    const last = this.#lastQueue;
    const queue =
      last !== undefined && last.owner === call.owner ? last : this.#states.get(call.owner);
    const max = this.#maxBatchSize;
    let batch: Batch | undefined;
    if (n === 1 && !this.#observeCallers) {
      try {
        batch = this.#place(queue, groupKey, call, rest, undefined, items[0]);
      } catch (error) {
        return Promise.reject(error);
      }
      const promise = (batch.gate ?? this.#makeGate(batch)).then(picker(this.#index));
      (batch.singles ??= []).push(promise);
      if (batch.items.length >= max) this.dispatch(batch, 'full');
      return promise;
    }
    let promise: Promise<unknown>;
    let req: Request;
    if (this.#observeCallers) {
      promise = new ObservedPromise(capture);
      req = new Request(n, capturedResolve, capturedReject);
      req.onUnhandled = queue.onUnhandled ??= (error) => this.#unobserved(queue, error);
    } else {
      promise = new Promise(capture);
      req = new Request(n, capturedResolve, capturedReject);
    }
    req.promise = promise;
    try {
      for (let i = 0; i < n; i++) {
        batch = this.#place(queue, groupKey, call, rest, batch, items[i]);
        const slots = (batch.slots ??= []);
        slots.push(req);
        slots.push(i);
        slots.push(this.#index);
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
    (queue.registry ?? registryOf(queue.owner)).emitError(error, {
      decorator: 'batched',
      method: this.#site.name,
    });
  }

  /**
   * Index in `items` of the item `#place` placed last (a field: two results returned without
   * allocating).
   */
  #index = 0;

  #makeGate(batch: Batch): Promise<unknown> {
    const gate = new Promise(capture);
    batch.openGate = capturedResolve;
    batch.closeGate = capturedReject;
    return (batch.gate = gate);
  }

  /**
   * Puts one requested item into the collecting batch of its group (`batch` if it is still
   * collecting, else the current one, opened if needed), deduplicated; returns the batch and
   * leaves the item's index in `#index`. Throws if the item cannot be keyed.
   */
  #place(
    queue: OwnerQueue,
    groupKey: string | undefined,
    call: Call,
    rest: readonly unknown[],
    batch: Batch | undefined,
    item: unknown,
  ): Batch {
    const eager = this.#eager;
    let key: unknown;
    if (eager) key = this.#key(item);
    if (batch === undefined || batch.state !== QUEUED) {
      batch = groupKey === undefined ? queue.main : queue.groups?.get(groupKey);
      if (batch === undefined || batch.state !== QUEUED)
        batch = this.#open(queue, groupKey, call, rest);
    }
    batch.requested++;
    let index: number | undefined;
    if (!eager) {
      if (typeof item === 'object' && item !== null) batch.hasObjects = true;
      index = batch.items.push(item) - 1;
    } else {
      const keys = batch.keys!;
      index = keys.get(key);
      if (index === undefined) keys.set(key, (index = batch.items.push(item) - 1));
    }
    this.#index = index;
    return batch;
  }

  /**
   * The dedupe key of `item`: `itemKey(item)` or the item, as a `Map` key ({@link mapKey}: a
   * primitive as it is, an object by its structure). Throws `E_UNKEYABLE` for what has no
   * stable key.
   */
  #key(item: unknown): unknown {
    return mapKey(this.#itemKey === undefined ? item : this.#itemKey(item), this.#site.name);
  }

  /**
   * Deferred dedupe, at dispatch: the body's input. Without duplicates it is `items` itself;
   * with them, the distinct items, and `remap` tells each position where its answer is.
   */
  #distinct(batch: Batch): unknown[] {
    const items = batch.items;
    if (!batch.hasObjects && this.#itemKey === undefined && allDistinct(items)) return items;
    const keys = new Map<unknown, number>();
    const distinct: unknown[] = [];
    const remap = new Array<number>(items.length);
    for (let k = 0; k < items.length; k++) {
      const item = items[k];
      let key: unknown;
      try {
        key = this.#key(item);
      } catch (error) {
        remap[k] = -1;
        (batch.keyErrors ??= new Map()).set(k, error);
        continue;
      }
      let index = keys.get(key);
      if (index === undefined) keys.set(key, (index = distinct.push(item) - 1));
      remap[k] = index;
    }
    if (distinct.length === items.length) return items;
    batch.remap = remap;
    return distinct;
  }

  /** Deferred dedupe with duplicates: the body's result spread back over the queued positions. */
  #expand(batch: Batch, result: unknown[]): unknown[] {
    const remap = batch.remap!;
    const out = new Array<unknown>(remap.length);
    for (let k = 0; k < remap.length; k++) {
      const index = remap[k]!;
      out[k] = index >= 0 ? result[index] : batch.keyErrors!.get(k);
    }
    return out;
  }

  /** Opens (and schedules) a new collecting batch for `groupKey`. */
  #open(
    queue: OwnerQueue,
    groupKey: string | undefined,
    call: Call,
    rest: readonly unknown[],
  ): Batch {
    const batch = new Batch(queue, groupKey, call.instance, rest, this.#eager);
    if (groupKey === undefined) queue.main = batch;
    else (queue.groups ??= new Map()).set(groupKey, batch);
    queue.queued++;
    if (!queue.active) this.#activate(queue, call.registry);
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

  /**
   * Lists `queue` among its registry's owners with pending work; the first one registers the
   * registry's shutdown hook.
   */
  #activate(queue: OwnerQueue, registry: Hotpath): void {
    queue.registry ??= registry;
    queue.active = true;
    this.#lastQueue = queue;
    let set = this.#active.get(queue.registry);
    if (set === undefined) {
      set = new Set();
      this.#active.set(queue.registry, set);
      const r = queue.registry;
      const pending = set;
      // Held while this engine is reachable: queued batches reach it through their timer or
      // tick, running ones through their settling reactions.
      r.onShutdown(
        {
          run: () => this.#drain(pending),
          pending: () => pending.size > 0,
          abandon: (error) => this.#abandon(pending, error(this.#site.name)),
        },
        'flush',
        this,
      );
    }
    set.add(queue);
  }

  #settleIdle(queue: OwnerQueue): void {
    if (!queue.active || !queue.idle) return;
    queue.active = false;
    this.#active.get(queue.registry!)?.delete(queue);
    if (this.#lastQueue === queue) this.#lastQueue = undefined;
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
    this.#detach(batch);
    queue.running.add(batch);
    const input = this.#dedupe && !this.#eager ? this.#distinct(batch) : batch.items;
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

  /** Removes a batch from its queue's collecting slots and cancels its timer. */
  #detach(batch: Batch): void {
    const queue = batch.queue;
    if (batch.timer !== undefined) {
      queue.registry!.clock.clearTimeout(batch.timer);
      batch.timer = undefined;
    }
    if (batch.groupKey === undefined) {
      if (queue.main === batch) queue.main = undefined;
    } else if (queue.groups?.get(batch.groupKey) === batch) {
      queue.groups.delete(batch.groupKey);
    }
    queue.queued--;
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
          : this.#expand(batch, new Array<unknown>(n).fill(WRITTEN));
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
      const where = this.#site.name;
      const message = Array.isArray(result)
        ? `@batched ${where}: the body returned ${plural(result.length, 'result')} for ${plural(n, 'item')}; it must return one result per item, in order (or nothing, for a write-behind batch)`
        : `@batched ${where}: the body must return an array of ${plural(n, 'result')} (one per item, in order) or nothing (for a write-behind batch), got ${describeValue(result)}`;
      this.#fail(
        batch,
        new BatchError(message, {
          method: where,
          expected: n,
          received: Array.isArray(result) ? result.length : undefined,
        }),
      );
      return;
    }
    this.#observeCallers = false;
    let itemErrors = 0;
    for (let i = 0; i < n; i++) if (result[i] instanceof Error) itemErrors++;
    if (itemErrors > 0) this.#figures(batch.queue).itemErrors += itemErrors;
    // Slots index `items`; with deferred dedupe and duplicates, spread the answers back over it.
    const answers = batch.remap === undefined ? result : this.#expand(batch, result);
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

  /**
   * Rejects every caller of `batch` still waiting with `error`; returns how many there were.
   * `ours`: see {@link Request.fail}.
   */
  #rejectAll(batch: Batch, error: unknown, ours = false): number {
    const singles = batch.singles;
    let rejected = singles?.length ?? 0;
    batch.closeGate(error);
    if (ours && singles !== undefined) for (const p of singles) silenceRejection(p);
    const slots = batch.slots;
    if (slots !== undefined) {
      for (let k = 0; k < slots.length; k += 3) {
        const r = slots[k] as Request;
        if (r.remaining > 0) {
          rejected++;
          r.fail(error, ours);
        }
      }
    }
    return rejected;
  }

  /** The batch failed as a whole: every caller still waiting rejects with `error`. */
  #fail(batch: Batch, error: unknown): void {
    if (batch.state === DONE) return;
    this.#figures(batch.queue).errors++;
    this.#rejectAll(batch, error);
    this.#finish(batch);
  }

  #finish(batch: Batch): void {
    batch.state = DONE;
    const queue = batch.queue;
    queue.running.delete(batch);
    const waiters = batch.waiters;
    if (waiters) {
      batch.waiters = undefined;
      for (const w of waiters) w();
    }
    this.#settleIdle(queue);
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
      this.#detach(batch);
      const error = new HotpathError(
        'E_CANCELLED',
        `${this.#site.name}: a queued batch of ${plural(batch.items.length, 'item')} was cancelled before it ran`,
      );
      figures.cancelled += this.#rejectAll(batch, error, true);
      batch.state = DONE;
    }
    this.#settleIdle(queue);
  }

  /** Figures of this method in `registry`, plus `owner`'s queue state. */
  stats(owner: object, registry: Hotpath): Record<string, unknown> {
    const figures = registry.metric(this.#site, 'batched', () => new BatchedFigures());
    const queue = this.#states.peek(owner);
    return {
      ...figures.toJSON(),
      queued: queue === undefined ? 0 : queue.collecting().reduce((n, b) => n + b.items.length, 0),
      running: queue?.running.size ?? 0,
    };
  }

  /**
   * `shutdown()`'s flush task: dispatches every pending batch of the registry's owners (`set`)
   * and waits for them. Work their bodies enqueue on this method is dispatched at once (the
   * registry is closed) and flushed by the registry's next round, which this task's `pending`
   * asks for.
   */
  async #drain(set: Set<OwnerQueue>): Promise<void> {
    await Promise.all([...set].map((queue) => this.#flushQueue(queue)));
  }

  /**
   * `shutdown()` timed out: every batch of the registry's owners (`set`) still collecting or in
   * its body is given up, its callers rejected with `error` (`E_SHUTDOWN`). A body that settles
   * later changes nothing.
   */
  #abandon(set: Set<OwnerQueue>, error: unknown): AbandonedWork[] {
    let batches = 0;
    let items = 0;
    let calls = 0;
    for (const queue of [...set]) {
      for (const batch of [...queue.collecting(), ...queue.running]) {
        if (batch.state === QUEUED) this.#detach(batch);
        batches++;
        items += batch.items.length;
        calls += this.#rejectAll(batch, error, true);
        this.#finish(batch);
      }
    }
    if (batches === 0) return [];
    return [
      {
        decorator: 'batched',
        method: this.#site.name,
        pending: batches,
        detail: `${plural(batches, 'batch', 'batches')} of ${plural(items, 'item')} not finished (${plural(calls, 'caller')} rejected)`,
      },
    ];
  }
}
