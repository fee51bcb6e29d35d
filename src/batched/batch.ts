/**
 * One batch of `@batched`: the items its callers queued, how each caller gets its answer, and
 * its state from collecting to done.
 *
 * Shapes, chosen for the per-call cost (the benchmark target: 100 000 single-item calls in one
 * tick at 1.2x the throughput of DataLoader's `load()` with `cache: false`,
 * bench/batched.bench.ts):
 * - A single-item caller (the common case) gets `batch.gate.then(pick)` (see `picker.ts`): the
 *   batch has one "gate" promise settled with the body's checked result, and one `pick`
 *   function that hands its callers their slices in call order. The caller's promise costs no
 *   resolving functions and no closure of its own.
 * - A caller with several items is one {@link Request}; the batch keeps its slots in one flat
 *   array of triples (request, position, item index), so a slot is no object either.
 */
import type { OwnerQueue } from './owner-queue.js';
import type { Request } from './request.js';
import { promiseInto, type Resolvers } from './resolvers.js';
import { Picker } from './picker.js';
import { SingleCallers } from './single-callers.js';

/** Collecting calls. */
export const QUEUED = 0;
/** In its body. */
export const RUNNING = 1;
/** Finished, cancelled or given up. */
export const DONE = 2;

function noop(): void {}

/** What a new batch belongs to. */
export interface BatchInit {
  /** The owner's queue. */
  readonly queue: OwnerQueue;
  /** The stable key of the `rest` arguments; `undefined` for calls without any. */
  readonly groupKey: string | undefined;
  /** `this` of the call that opened it; the body runs on it. */
  readonly instance: unknown;
  /** The arguments after the items, passed to the body as they are. */
  readonly rest: readonly unknown[];
  /** Dedupe as items arrive (a `Map` of item keys). */
  readonly eagerDedupe: boolean;
}

/** A batch: collecting (`QUEUED`), in its body (`RUNNING`), or finished/cancelled (`DONE`). */
export class Batch {
  state = QUEUED;
  readonly queue: OwnerQueue;
  readonly groupKey: string | undefined;
  readonly instance: unknown;
  readonly rest: readonly unknown[];
  /**
   * Queued items: distinct ones when deduping as they arrive, every requested one otherwise
   * (no dedupe, or dedupe deferred to dispatch).
   */
  readonly items: unknown[] = [];
  /** Item key (`mapKey`) → index in `items`; eager dedupe only. */
  readonly keys: Map<unknown, number> | undefined;
  /** Items callers asked for (before dedupe). */
  requested = 0;
  /**
   * The promises of the single-item callers waiting on `gate` (kept so that a cancellation or
   * a shutdown can keep their rejection from going unhandled; see `single-callers.ts`).
   */
  singles: SingleCallers | undefined = undefined;
  /** Settled with the checked result (or the failure); single-item callers chain on it. */
  gate: Promise<unknown> | undefined = undefined;
  /** Settles `gate` (no-ops until it is made). */
  readonly #gate: Resolvers = { resolve: noop, reject: noop };
  /** Where each single-item caller's item is; made with `gate`. */
  #picker: Picker | undefined = undefined;
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
  /** The `maxWait` timer, while collecting. */
  timer: unknown = undefined;
  waiters: (() => void)[] | undefined = undefined;

  constructor(init: BatchInit) {
    this.queue = init.queue;
    this.groupKey = init.groupKey;
    this.instance = init.instance;
    this.rest = init.rest;
    this.keys = init.eagerDedupe ? new Map() : undefined;
  }

  /**
   * A single-item caller whose item is at `index`: its promise, `gate.then(pick)` (made on the
   * first caller), is kept in `singles`.
   */
  addSingle(index: number): Promise<unknown> {
    let picker = this.#picker;
    if (picker === undefined) {
      this.#picker = picker = new Picker();
      this.gate = promiseInto(this.#gate);
      this.singles = new SingleCallers();
    }
    picker.add(index);
    const promise = this.gate!.then(picker.pick);
    this.singles!.add(promise);
    return promise;
  }

  /** Lets single-item callers through with the checked result. */
  openGate(result: unknown): void {
    this.#gate.resolve(result);
  }

  /**
   * Queues `item` (whose dedupe key is `key` with eager dedupe); returns its index in `items`,
   * an earlier one when eager dedupe has seen its key.
   */
  add(item: unknown, key: unknown): number {
    this.requested++;
    const keys = this.keys;
    if (keys === undefined) {
      if (typeof item === 'object' && item !== null) this.hasObjects = true;
      return this.items.push(item) - 1;
    }
    let index = keys.get(key);
    if (index === undefined) keys.set(key, (index = this.items.push(item) - 1));
    return index;
  }

  /**
   * Rejects every caller still waiting with `error`; returns how many there were. `ours`: see
   * {@link Request.fail}.
   */
  rejectAll(error: unknown, ours = false): number {
    const singles = this.singles;
    let rejected = singles?.size ?? 0;
    this.#gate.reject(error);
    if (ours) singles?.silence();
    const slots = this.slots;
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

  /** Marks the batch done and wakes whoever waits for it. */
  finish(): void {
    this.state = DONE;
    const waiters = this.waiters;
    if (waiters) {
      this.waiters = undefined;
      for (const w of waiters) w();
    }
  }

  /** Resolves when the batch has finished (at once if it has). */
  whenDone(): Promise<void> {
    if (this.state === DONE) return Promise.resolve();
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }
}
