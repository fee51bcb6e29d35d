/**
 * One owner's batches of one `@batched` method (owner: the instance, the constructor for
 * statics, the wrapper's token for the functional form).
 */
import type { Runtime } from '../core/runtime.js';
import type { Batch } from './batch.js';
import type { BatchedFigures } from './figures.js';

/** One owner's batches: the collecting one per `rest` group, and those in flight. */
export class OwnerQueue {
  /** Collecting batch of calls without `rest` arguments (the common case, no map lookup). */
  main: Batch | undefined = undefined;
  /** Collecting batches per `rest` key. */
  groups: Map<string, Batch> | undefined = undefined;
  /** Batches still collecting. */
  queued = 0;
  readonly running = new Set<Batch>();
  registry: Runtime | undefined = undefined;
  figures: BatchedFigures | undefined = undefined;
  /** Listed in its registry's set of owners with pending work (for `shutdown()`). */
  active = false;
  /** Reports a failure no caller observed to the registry (made on first need). */
  onUnhandled: ((error: unknown) => void) | undefined = undefined;

  constructor(readonly owner: object) {}

  get idle(): boolean {
    return this.queued === 0 && this.running.size === 0;
  }

  /** The batches still collecting. */
  collecting(): Batch[] {
    const out: Batch[] = [];
    if (this.main) out.push(this.main);
    if (this.groups) out.push(...this.groups.values());
    return out;
  }

  /** Makes `batch` the collecting batch of its group. */
  attach(batch: Batch): void {
    if (batch.groupKey === undefined) this.main = batch;
    else (this.groups ??= new Map()).set(batch.groupKey, batch);
    this.queued++;
  }

  /** Removes a batch from the collecting slots and cancels its timer. */
  detach(batch: Batch): void {
    if (batch.timer !== undefined) {
      this.registry!.clock.clearTimeout(batch.timer);
      batch.timer = undefined;
    }
    if (batch.groupKey === undefined) {
      if (this.main === batch) this.main = undefined;
    } else if (this.groups?.get(batch.groupKey) === batch) {
      this.groups.delete(batch.groupKey);
    }
    this.queued--;
  }
}
