/**
 * `@batched`'s part in `registry.shutdown()`: per registry, the owners of one method with
 * batches collecting or in their body, and the registry's flush task that drains them (or,
 * past the shutdown's timeout, gives them up).
 */
import { PerRuntime } from '../core/per-runtime.js';
import type { AbandonedWork, Runtime } from '../core/runtime.js';
import type { SiteInfo } from '../core/site.js';
import { QUEUED, type Batch } from './batch.js';
import { abandonedDetail } from './messages.js';
import type { OwnerQueue } from './owner-queue.js';

/** What the shutdown task needs from the method's engine. */
export interface PendingWorkHooks {
  /** The method (its name is read when needed: it is learnt on the first call). */
  readonly site: SiteInfo;
  /** Holds the registry's task while it is reachable (see `registry.onShutdown`). */
  readonly holder: object;
  /** Dispatches `queue`'s collecting batches; resolves when they and the running ones are done. */
  flush(queue: OwnerQueue): Promise<void>;
  /** Marks `batch` done, drops it from its queue and releases the queue once idle. */
  finish(batch: Batch): void;
}

/** Per registry, the owners of one `@batched` method with pending batches. */
export class PendingOwners {
  readonly #byRegistry = new PerRuntime((registry) => {
    const pending = new Set<OwnerQueue>();
    // Held while the engine is reachable: queued batches reach it through their timer or
    // tick, running ones through their settling reactions.
    registry.onShutdown(
      {
        run: () => this.#drain(pending),
        pending: () => pending.size > 0,
        abandon: (error) => this.#abandon(pending, error(this.#hooks.site.name)),
      },
      'flush',
      this.#hooks.holder,
    );
    return pending;
  });
  readonly #hooks: PendingWorkHooks;

  constructor(hooks: PendingWorkHooks) {
    this.#hooks = hooks;
  }

  /**
   * Lists `queue` among `registry`'s owners with pending work (the registry it has used
   * before, if any); the first one registers the registry's shutdown task.
   */
  add(queue: OwnerQueue, registry: Runtime): void {
    queue.registry ??= registry;
    queue.active = true;
    this.#byRegistry.get(queue.registry).add(queue);
  }

  /** Takes `queue` off its registry's list once it is idle; returns whether it did. */
  release(queue: OwnerQueue): boolean {
    if (!queue.active || !queue.idle) return false;
    queue.active = false;
    this.#byRegistry.peek(queue.registry!)?.delete(queue);
    return true;
  }

  /**
   * `shutdown()`'s flush task: dispatches every pending batch of the registry's owners (`set`)
   * and waits for them. Work their bodies enqueue on this method is dispatched at once (the
   * registry is closed) and flushed by the registry's next round, which this task's `pending`
   * asks for.
   */
  async #drain(set: Set<OwnerQueue>): Promise<void> {
    await Promise.all([...set].map((queue) => this.#hooks.flush(queue)));
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
        if (batch.state === QUEUED) queue.detach(batch);
        batches++;
        items += batch.items.length;
        calls += batch.rejectAll(error, true);
        this.#hooks.finish(batch);
      }
    }
    if (batches === 0) return [];
    return [
      {
        decorator: 'batched',
        method: this.#hooks.site.name,
        pending: batches,
        detail: abandonedDetail(batches, items, calls),
      },
    ];
  }
}
