/**
 * The work `registry.shutdown()` runs before it closes the stores: the decorators' shutdown
 * tasks, phase by phase, until nothing is left or the deadline passes.
 *
 * - `flush` tasks (pending batches, trailing debounced calls, background cache writes) run in
 *   rounds: work that flushing itself enqueues (a batch body calling another `@batched` or
 *   `@debounce` method, whose first call may even register a new task) is flushed by the next
 *   round, until a round ends with no task reporting pending work. While a registry shuts
 *   down, decorators dispatch new work at once instead of waiting for their `maxWait`/`wait`,
 *   so a round never waits out a timer.
 * - `stop` tasks (limiters, monitors) run once, after the flush.
 * - At the deadline, every task gives up what it still has (its callers reject with
 *   `E_SHUTDOWN`, or the failure goes to the `error` event when nobody awaits it) and says what
 *   that was: the list `shutdown()` resolves with.
 */
import type { Clock } from '../core/clock.js';
import { OwnedSet } from '../core/owned-set.js';
import type { HotpathError } from '../errors.js';
import type { AbandonedWork, ShutdownPhase, ShutdownTask } from '../core/runtime.js';
import { isThenable } from '../core/thenable.js';

/**
 * Rounds after which a flush that keeps finding new work (a body that calls its own method
 * again on every run) is given up even before the deadline: with an injected clock that never
 * advances, the deadline alone would let it spin for ever.
 */
const MAX_FLUSH_ROUNDS = 1_000;

const LATE: unique symbol = Symbol('late');

/** Microtask turns the stop tasks get after a late flush (a limiter with no call running settles in 2-3). */
const STOP_GRACE_TURNS = 8;

/** Resolves with {@link LATE} after `n` microtask turns (never faked, unlike timers). */
function afterTurns(n: number): Promise<typeof LATE> {
  let p: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < n; i++) p = p.then(() => undefined);
  return p.then(() => LATE);
}

/** The shutdown tasks of one registry, per phase. */
export class ShutdownTasks {
  readonly #tasks: Record<ShutdownPhase, OwnedSet<ShutdownTask>> = {
    flush: new OwnedSet(),
    stop: new OwnedSet(),
  };
  /** Tasks whose `run` has started and not settled. */
  readonly #running = new Set<ShutdownTask>();
  /** Set when a task is added while tasks run: the flush needs another round. */
  #added = false;

  /**
   * Adds `task` to `phase`, held as long as `owner` is reachable (see `OwnedSet`), or until
   * removed without one; returns a remover.
   */
  add(task: ShutdownTask | (() => unknown), phase: ShutdownPhase, owner?: object): () => void {
    this.#added = true;
    return this.#tasks[phase].add(typeof task === 'function' ? { run: task } : task, owner);
  }

  /**
   * Runs the flush rounds, then the stop phase, within `deadlineMs` of `clock`; reports task
   * failures to `onError`. Resolves with what was abandoned at the deadline (empty when
   * everything finished in time).
   */
  async run(
    clock: Clock,
    deadlineMs: number,
    onError: (error: unknown) => void,
    error: (method: string) => HotpathError,
  ): Promise<AbandonedWork[]> {
    let timer: unknown;
    // A referenced timer: a process whose last work is a hung body must still see shutdown()
    // resolve (an unref'd one would let it exit with the await unsettled).
    const deadline = new Promise<typeof LATE>((resolve) => {
      timer = clock.setTimeout(() => resolve(LATE), deadlineMs);
    });
    try {
      const lateFlush = await this.#flush(deadline, onError);
      // Stop tasks run even after a late flush (limiters still reject their queues); they then
      // get a few microtask turns, enough for one that has nothing left to wait for.
      const lateStop = await this.#runAll(
        [...this.#tasks.stop],
        lateFlush ? afterTurns(STOP_GRACE_TURNS) : deadline,
        onError,
      );
      return lateFlush || lateStop ? this.#abandon(error) : [];
    } finally {
      clock.clearTimeout(timer);
    }
  }

  /** Flush rounds until no task has work left; true when the deadline (or the round cap) came first. */
  async #flush(
    deadline: Promise<typeof LATE>,
    onError: (error: unknown) => void,
  ): Promise<boolean> {
    for (let round = 0; round < MAX_FLUSH_ROUNDS; round++) {
      this.#added = false;
      const tasks = [...this.#tasks.flush];
      if (await this.#runAll(tasks, deadline, onError)) return true;
      if (!this.#added && !tasks.some((t) => t.pending?.())) return false;
    }
    return true;
  }

  /** Runs `tasks` together; true when the deadline passed before they all settled. */
  async #runAll(
    tasks: ShutdownTask[],
    deadline: Promise<typeof LATE>,
    onError: (error: unknown) => void,
  ): Promise<boolean> {
    const work: Promise<void>[] = [];
    for (const task of tasks) {
      let result: unknown;
      try {
        result = task.run();
      } catch (error) {
        onError(error);
        continue;
      }
      if (!isThenable(result)) continue;
      this.#running.add(task);
      work.push(
        Promise.resolve(result).then(
          () => void this.#running.delete(task),
          (error: unknown) => {
            this.#running.delete(task);
            onError(error);
          },
        ),
      );
    }
    if (work.length === 0) return false;
    return (await Promise.race([Promise.all(work), deadline])) === LATE;
  }

  #abandon(error: (method: string) => HotpathError): AbandonedWork[] {
    const abandoned: AbandonedWork[] = [];
    for (const phase of ['flush', 'stop'] as const) {
      for (const task of this.#tasks[phase]) {
        if (task.abandon) abandoned.push(...task.abandon(error));
        else if (this.#running.has(task)) {
          abandoned.push({
            decorator: 'onShutdown',
            pending: 1,
            detail: `a ${phase} hook added with onShutdown() had not settled`,
          });
        }
      }
    }
    return abandoned;
  }
}
