/**
 * The registry: where decorated methods find their shared stores, limiters, bus and clock,
 * where they report figures and errors, and who flushes their pending work on shutdown.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { MAX_TIMER_MS, systemClock, withLongTimeouts, type Clock } from '../core/clock.js';
import { withDeadline } from '../core/deadline.js';
import { errorMessage } from '../core/error-message.js';
import { checkOptionsObject, durationOption } from '../core/options.js';
import { invalidationBook } from '../cached/invalidation-book.js';
import { HotpathError } from '../errors.js';
import { OwnedSet } from '../core/owned-set.js';
import type { Runtime, ShutdownPhase, ShutdownTask } from '../core/runtime.js';
import { registerRuntime } from '../core/runtime-of.js';
import { shutdownState } from '../core/shutdown-state.js';
import { measureBlock, type MeasureOptions } from '../profile/measure.js';
import type { SiteInfo } from '../core/site.js';
import { disconnectLimiter } from '../rate-limit/disconnect-limiter.js';
import { attachPools, type AnyPool } from '../pool/registry-pools.js';
import { checkHotpathConfig } from './config.js';
import { makeRuntime } from './make-runtime.js';
import { RegistryEvents } from './registry-events.js';
import { formatReport } from './report.js';
import { ShutdownTasks } from './shutdown.js';
import { writeStats } from './write-stats.js';
import type {
  CacheStore,
  HotpathConfig,
  HotpathEvents,
  HotpathStats,
  InvalidationBus,
  InvalidationTarget,
  Invalidator,
  ShutdownOptions,
  ShutdownReport,
  SingleFlightLock,
} from './types.js';

export type { ShutdownPhase, ShutdownTask } from '../core/runtime.js';

declare module '../core/runtime.js' {
  /** `call.registry` is a {@link Hotpath}. */
  interface RegistryTypes {
    readonly registry: Hotpath;
  }
}

/** One row of `stats()`: a method (or a `@profile` name) and its figures per decorator. */
interface MetricRow {
  readonly method: string | SiteInfo;
  readonly figures: Map<string, object>;
}

/** Runs shutdown work so that calls made by that work (a batch body calling a decorated repository) still pass. */
const shutdownWork = new AsyncLocalStorage<Hotpath>();

/** How long `shutdown()` waits for one store to disconnect before moving on. */
const STORE_CLOSE_TIMEOUT_MS = 2_000;

/** How long `shutdown()` lets pending work finish by default (see `ShutdownOptions.timeout`). */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * An isolated registry. Create one with {@link createHotpath}; `hotpath` is the default one.
 * Methods use the registry bound to their instance ({@link bindHotpath}, the container
 * integration) or the default.
 */
export class Hotpath {
  /** Name used in reports and warnings. */
  readonly name: string;
  /** Named shared cache tiers (`@cached({ store })`). */
  readonly stores: Readonly<Record<string, CacheStore>>;
  /** Named limiters (`@rateLimit({ limiter })`). */
  readonly limiters: Readonly<Record<string, object>>;
  /** The cross-process invalidation bus, if any. */
  readonly bus: InvalidationBus | undefined;
  /** The cross-process single-flight lock, if any. */
  readonly lock: SingleFlightLock | undefined;
  /** The time source. */
  readonly clock: Clock;
  /** Named pools (`@withResource('db')` leases from `pools.db`); shut down with the registry. */
  readonly pools: Readonly<Record<string, AnyPool>>;

  #closed = false;
  #shutdown: Promise<ShutdownReport> | undefined;
  // Figures, invalidators and shutdown tasks of a decorated method are held for the life of its
  // site (or of its pending work), not of the registry: functions wrapped per request
  // (`cached()(fn)`) must be collectable once dropped (see OwnedSet).
  readonly #tasks = new ShutdownTasks();
  readonly #events: RegistryEvents;
  readonly #rows = new OwnedSet<MetricRow>();
  readonly #rowsByName = new Map<string, MetricRow>();
  readonly #rowsBySite = new WeakMap<SiteInfo, MetricRow>();
  readonly #sections = new Map<string, () => unknown>();
  readonly #invalidators = new OwnedSet<Invalidator>();
  readonly #unsubscribeBus: (() => void) | undefined;
  /** What decorators use of this registry (core's `Runtime`); reached through core, not here. */
  readonly #runtime: Runtime;

  /** Throws a `TypeError` naming the problem for a configuration it cannot use (see config.ts). */
  constructor(config: HotpathConfig = {}) {
    checkHotpathConfig(config);
    this.name = config.name ?? 'hotpath';
    this.stores = { ...config.stores };
    this.limiters = { ...config.limiters };
    this.bus = config.bus;
    this.lock = config.lock;
    this.clock = config.clock ? withLongTimeouts(config.clock) : systemClock;
    this.pools = { ...config.pools };
    this.#events = new RegistryEvents(this.name);
    // The runtime decorators see (core/runtime.ts): this registry's configuration and its
    // internal hooks, kept off the public class. One object per registry, made once.
    this.#runtime = makeRuntime(this, {
      isClosed: () => this.#closed,
      refuses: () => this.#refuses(),
      shutdownError: (method) => this.#shutdownError(method),
      metric: (method, decorator, create) => this.#metric(method, decorator, create),
      section: (name, read) => this.#section(name, read),
      emitError: (error, info) => this.#events.emitError(error, info),
      emitSlow: (event) => this.#events.emitSlow(event),
      hasListeners: (event) => this.#events.has(event),
      addInvalidator: (invalidator, owner) => this.#addInvalidator(invalidator, owner),
      onShutdown: (task, phase, owner) => this.#onShutdown(task, phase, owner),
    });
    registerRuntime(this, this.#runtime);
    attachPools(this.#runtime, this.pools);
    for (const [name, store] of Object.entries(this.stores)) {
      // keyv re-emits connection errors; without a listener an EventEmitter 'error' crashes the process.
      store.on?.('error', (error: unknown) =>
        this.#events.emitError(
          new HotpathError(
            'E_STORE',
            `registry '${this.name}': store '${name}' reported an error: ${errorMessage(error)}`,
            { cause: error },
          ),
          { store: name },
        ),
      );
    }
    if (this.bus) {
      const unsubscribe = this.bus.subscribe(
        (target) => void this.#runInvalidators(target, 'remote'),
        () => {
          for (const inv of this.#invalidators) inv.dropLocal();
        },
      );
      this.#unsubscribeBus = typeof unsubscribe === 'function' ? unsubscribe : undefined;
    }
  }

  /** True once `shutdown()` was called: new calls are refused with `E_SHUTDOWN`. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Whether a call arriving now must be refused: after `shutdown()`, except calls made by the
   * shutdown's own flush work (a flushed batch body calling a decorated repository).
   */
  #refuses(): boolean {
    return this.#closed && shutdownWork.getStore() !== this;
  }

  /** The error thrown (or rejected with) by a call to `method` that arrives after `shutdown()`. */
  #shutdownError(method: string): HotpathError {
    return new HotpathError(
      'E_SHUTDOWN',
      `${method}: the hotpath registry '${this.name}' has been shut down and accepts no new calls`,
    );
  }

  // ---- events -------------------------------------------------------------------------

  /**
   * Listens to `error` (failures with no caller to reject: background refreshes, stores,
   * fire-and-forget debounced calls) or `slow` (calls over `@profile`'s `slowThreshold`).
   * Returns a function that removes the listener.
   */
  on<K extends keyof HotpathEvents>(event: K, listener: HotpathEvents[K]): () => void {
    this.#events.add(event, listener);
    return () => this.off(event, listener);
  }

  /** Removes a listener added with {@link Hotpath.on}. */
  off<K extends keyof HotpathEvents>(event: K, listener: HotpathEvents[K]): void {
    this.#events.delete(event, listener);
  }

  // ---- stats ----------------------------------------------------------------------------

  /**
   * The figures object of decorator `decorator` on `method`, created by `create` on first use
   * and the same object afterwards: decorators keep a reference and update it in place.
   * `stats()` serializes it (through `toJSON()` if it has one) under the method's name.
   *
   * `method` is the decorated method's {@link SiteInfo} (two classes that happen to share a name
   * keep separate figures: the second shows as `Name.method (2)`), or a plain name to
   * aggregate several methods on purpose (`@profile({ name })`).
   *
   * A site's figures are held as long as the site is (its class, or the wrapped function):
   * `stats()` lists live methods, and a function wrapped per request leaves nothing behind once
   * dropped. Figures under a plain name stay for the registry's life.
   */
  #metric<T extends object>(method: string | SiteInfo, decorator: string, create: () => T): T {
    let row =
      typeof method === 'string' ? this.#rowsByName.get(method) : this.#rowsBySite.get(method);
    if (row === undefined) {
      row = { method, figures: new Map() };
      if (typeof method === 'string') {
        this.#rowsByName.set(method, row);
        this.#rows.add(row);
      } else {
        this.#rowsBySite.set(method, row);
        this.#rows.add(row, method);
      }
    }
    let m = row.figures.get(decorator) as T | undefined;
    if (!m) row.figures.set(decorator, (m = create()));
    return m;
  }

  /** Adds a registry-wide section to `stats()` (e.g. `memory`); returns a remover. */
  #section(name: string, read: () => unknown): () => void {
    this.#sections.set(name, read);
    return () => this.#sections.delete(name);
  }

  /** Every decorated method's figures, per decorator; JSON-serializable (a deep copy). */
  stats(): HotpathStats {
    const methods: Record<string, Record<string, object>> = {};
    for (const { method, figures: perMethod } of this.#rows) {
      const base = typeof method === 'string' ? method : method.name;
      // Rows merge by name (a method's @cached and its @profile figures); a second method of
      // the same name with the same decorator is another class: give it its own row.
      let name = base;
      for (let n = 2; [...perMethod.keys()].some((d) => methods[name]?.[d] !== undefined); n++) {
        name = `${base} (${n})`;
      }
      Object.assign((methods[name] ??= {}), Object.fromEntries(perMethod));
    }
    const raw: Record<string, unknown> = { registry: this.name, methods };
    for (const [name, read] of this.#sections) raw[name] = read();
    return JSON.parse(JSON.stringify(raw)) as HotpathStats;
  }

  /** `stats()` as an aligned, human-readable table (for logs and terminals). */
  report(): string {
    return formatReport(this.stats());
  }

  /**
   * Writes `stats()` to a JSON file as `{ exportedAt, registry, stats }` (`exportedAt`: an ISO
   * 8601 time) and resolves with the file's path. `path` is the file, or an existing directory
   * in which the file is named `hotpath-stats-<registry>-<exportedAt>.json` (every character
   * but letters, digits, `_` and `-` replaced by `-`, so `17:05:09.123Z` reads `17-05-09-123Z`).
   *
   * @default path: the current directory
   */
  async writeStats(path: string = '.'): Promise<string> {
    return writeStats(this.name, () => this.stats(), path);
  }

  /**
   * Runs `fn` and records it like a `@profile` method under `name` (bunsui's `profile_context`):
   * duration, outcome, `slowThreshold`, and with `memory` the heap's growth, in this registry's
   * `stats()` and `report()`. A sync `fn` is timed until it returns or throws, a promise until
   * it settles; returns what `fn` returned (the same promise). A block and a `@profile` method
   * with the same name share one histogram. Bad arguments throw a `TypeError` before `fn` runs.
   * Cost: that of a `@profile` call plus a figures lookup by name.
   */
  measure<T>(name: string, fn: () => T, options?: MeasureOptions): T {
    return measureBlock(this.#runtime, name, fn, options);
  }

  // ---- invalidation ---------------------------------------------------------------------

  /**
   * Registers an invalidation receiver (done by `@cached`); returns a remover. With `owner`,
   * the registry holds it only as long as `owner` is reachable from elsewhere (`@cached` passes
   * the receiver itself, which its method keeps); without, until removed.
   */
  #addInvalidator(invalidator: Invalidator, owner?: object): () => void {
    return this.#invalidators.add(invalidator, owner);
  }

  /**
   * Invalidates matching entries in every tier of every `@cached` method of this registry, and,
   * with a bus, in every other process. Writes to every shared store of the registry even when
   * no `@cached` method ran in this process (an admin script, a write-only worker); a store
   * that does not take the write gets it when it answers again. Publishes on the bus after the
   * stores were written (or the write kept for later), so that a process acting on the message
   * reads them after the write. Tier failures go to the `error` event; this never rejects.
   */
  async invalidate(target: InvalidationTarget): Promise<void> {
    invalidationBook(this.#runtime);
    await this.#runInvalidators(target, 'local');
    if (this.bus) {
      try {
        await this.bus.publish(target);
      } catch (error) {
        this.#events.emitError(
          new HotpathError(
            'E_STORE',
            `registry.invalidate: publishing on the bus failed: ${errorMessage(error)}`,
            { cause: error },
          ),
        );
      }
    }
  }

  async #runInvalidators(target: InvalidationTarget, origin: 'local' | 'remote'): Promise<void> {
    const work: Promise<void>[] = [];
    for (const inv of this.#invalidators) {
      work.push(
        (async () => inv.invalidate(target, origin))().catch((error: unknown) =>
          this.#events.emitError(error),
        ),
      );
    }
    await Promise.all(work);
  }

  // ---- shutdown -------------------------------------------------------------------------

  /**
   * Registers work for `shutdown()`: `flush` tasks (pending batches, trailing debounced
   * calls) run first, in rounds until none reports pending work, then `stop` tasks (limiters,
   * timers). A plain function is a task that only runs; a {@link ShutdownTask} can also say
   * whether work is left and give it up at the timeout. Returns a remover.
   *
   * With `owner`, the registry holds the task only as long as `owner` is reachable from
   * elsewhere: pass the object that holds the pending work the task flushes, one that every
   * pending timer or promise of that work refers to. A dropped function then goes once idle,
   * and one with pending work stays (its timers reach the owner) until shutdown flushes it.
   */
  #onShutdown(
    task: ShutdownTask | (() => unknown),
    phase: ShutdownPhase = 'flush',
    owner?: object,
  ): () => void {
    return this.#tasks.add(task, phase, owner);
  }

  /**
   * Flushes pending batches and trailing debounce/throttle calls, and what flushing them
   * enqueues in turn (dispatched at once, not after its `maxWait`/`wait`), waits for them, stops
   * limiters, closes the bus, the lock and the stores, and resolves when nothing is left. Calls
   * made after it starts reject with `E_SHUTDOWN` (work done by the flush itself still passes).
   *
   * `timeout` (default `'10s'`) bounds the wait for pending work: past it, what is still pending
   * is given up (its callers reject with `E_SHUTDOWN`; reported on `error` when nobody awaits),
   * the stores close, and the report lists it in `abandoned`. A body that never settles cannot
   * hold a deploy for longer.
   *
   * Idempotent: later calls return the same promise (their options are checked, not used).
   * Never rejects; failures go to `error`. Throws a `TypeError` for bad options.
   */
  shutdown(options?: ShutdownOptions): Promise<ShutdownReport> {
    const where = { where: `shutdown() of registry '${this.name}'` };
    checkOptionsObject(where, options, ['timeout']);
    const timeoutMs = durationOption(where, 'timeout', options?.timeout, SHUTDOWN_TIMEOUT_MS, {
      positive: true,
      max: MAX_TIMER_MS,
    });
    this.#shutdown ??= this.#runShutdown(timeoutMs);
    return this.#shutdown;
  }

  async #runShutdown(timeoutMs: number): Promise<ShutdownReport> {
    this.#closed = true;
    shutdownState.seen = true;
    const abandoned = await shutdownWork.run(this, () =>
      this.#tasks.run(
        this.clock,
        timeoutMs,
        (error) => this.#events.emitError(error),
        (method) =>
          new HotpathError(
            'E_SHUTDOWN',
            `${method}: given up by the shutdown of the hotpath registry '${this.name}' after its ${timeoutMs} ms timeout`,
          ),
      ),
    );
    this.#unsubscribeBus?.();
    const closing: Promise<unknown>[] = [];
    if (this.bus?.close) closing.push((async () => this.bus!.close!())());
    if (this.lock?.close) closing.push((async () => this.lock!.close!())());
    for (const store of Object.values(this.stores)) {
      if (store.disconnect)
        closing.push(withDeadline((async () => store.disconnect!())(), STORE_CLOSE_TIMEOUT_MS));
    }
    // A Bottleneck instance given in `limiters` belongs to the registry, like a store: its
    // Redis sockets would keep the process alive (the `stop` phase already stopped it).
    for (const limiter of Object.values(this.limiters)) {
      closing.push(disconnectLimiter(limiter, STORE_CLOSE_TIMEOUT_MS));
    }
    for (const r of await Promise.allSettled(closing)) {
      if (r.status === 'rejected') this.#events.emitError(r.reason);
    }
    return { abandoned };
  }
}

/** Creates an isolated registry. See {@link HotpathConfig} for the options. */
export function createHotpath(config: HotpathConfig = {}): Hotpath {
  return new Hotpath(config);
}
