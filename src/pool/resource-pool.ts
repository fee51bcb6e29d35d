/**
 * `ResourcePool`, what `pool(options)` (pool.ts) makes: a pool of costly resources (database
 * connections, API clients) lent one call at a time, built on tarn (timeouts on every
 * operation, abortable acquire, async validation). hotpath adds what tarn lacks: a bound on
 * waiting callers, a maximum lifetime, destroying a lent resource that a fatal error poisoned,
 * leases that nested calls share (`lease.ts`), figures and events, errors that name the pool
 * and the wait, and a shutdown bounded in time.
 *
 * Beside it: the tarn pool and hotpath's changes to it (`tarn-pool.ts`), whether a resource
 * may be lent again (`resource-checks.ts`), one lease from start to end (`leased.ts`), the
 * figures (`pool-stats.ts`), the events (`pool-events.ts`), the errors (`pool-errors.ts`) and
 * `shutdown()`'s deadline (`shutdown-pool.ts`).
 */
import { performance } from 'node:perf_hooks';
import { eventChannel } from '../core/channels.js';
import type { Duration } from '../core/options.js';
import type { HotpathError, PoolTimeoutError } from '../errors.js';
import { DurationHistogram } from '../profile/histogram.js';
import { ACQUIRE, ADOPT, CLOSE, FORCE, GIVE_BACK, NESTED } from './internal.js';
import { activeLease } from './lease.js';
import { leased } from './leased.js';
import { resolvePoolOptions, type PoolOptions, type ResolvedPoolOptions } from './options.js';
import {
  adoptedTwiceError,
  misnamedPoolError,
  notLentError,
  poolFullError,
  poolShutdownError,
  poolTimeoutError,
} from './pool-errors.js';
import { publishPoolEvent, type DestroyReason } from './pool-events.js';
import { newPoolCounters, poolStats, type PoolStats } from './pool-stats.js';
import { isExpired, isFatalTo, validateIdle, type ResourceChecks } from './resource-checks.js';
import { shutdownPool, type PoolShutdownReport } from './shutdown-pool.js';
import { tarn, type TarnPool } from './tarn.js';
import { abortWaiting, buildTarnPool, destroyTaken, takeLent } from './tarn-pool.js';

/** Options of `pool.acquire()`. */
export interface AcquireOptions {
  /**
   * Gives up waiting when aborted: the acquire rejects with the signal's reason.
   *
   * @default undefined (waits until `acquireTimeout`)
   */
  signal?: AbortSignal;
}

/** `started` of an acquire whose wait is not timed (served by an idle resource at once). */
const NOT_TIMED = -1;

/**
 * A pool of resources of type `T`, made with `pool()` (pool.ts). Lend resources with
 * `@withResource(pool)` (or the pool's name in a registry), with {@link ResourcePool.use}, or
 * by hand with `acquire()` / `release()`.
 */
export class ResourcePool<T> {
  readonly #options: ResolvedPoolOptions<T>;
  #name: string;
  #adopted = false;
  #tarn: TarnPool<T> | undefined;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  #abandoned = 0;
  #onError: (error: unknown) => void;
  readonly #counters = newPoolCounters();
  readonly #wait = new DurationHistogram();
  /** Resources lent now (by this pool's own bookkeeping, not tarn's). */
  readonly #lent = new Set<T>();
  /** Creation time and leases so far, per open resource (`ResourceChecks.born`). */
  readonly #born = new Map<T, { at: number; leases: number }>();
  /** Why a resource hotpath is destroying leaves (`ResourceChecks.reasons`). */
  readonly #reasons = new Map<T, DestroyReason>();
  /** The maps above, the counters and the options, for resource-checks.ts. */
  readonly #checks: ResourceChecks<T>;

  /** Use `pool()`. */
  constructor(options: PoolOptions<T>) {
    this.#options = resolvePoolOptions<T>(options);
    this.#name = this.#options.name ?? 'pool';
    this.#checks = {
      options: this.#options,
      counters: this.#counters,
      born: this.#born,
      reasons: this.#reasons,
    };
    const warned = new Set<string>();
    this.#onError = (error) => {
      const text = error instanceof Error ? error.message : String(error);
      if (warned.has(text)) return;
      warned.add(text);
      process.emitWarning(`[hotpath] pool '${this.#name}': ${text}`, { type: 'HotpathWarning' });
    };
  }

  /** The pool's name: its `name` option, else its key in `createHotpath({ pools })`, else `'pool'`. */
  get name(): string {
    return this.#name;
  }

  /** True once `shutdown()` (its own or the registry's) has started: nothing more is lent. */
  get closed(): boolean {
    return this.#state !== 'open';
  }

  /**
   * Takes a resource; give it back with {@link ResourcePool.release} (or
   * {@link ResourcePool.destroy} if it is broken). Prefer `@withResource` or `use()`, which
   * cannot forget to. Rejects with `PoolTimeoutError` (`E_POOL_TIMEOUT`) after
   * `acquireTimeout`, `E_POOL_FULL` at once when `maxWaiting` callers already wait, `E_SHUTDOWN`
   * once the pool is shut down, and the signal's reason when `signal` aborts.
   */
  acquire(options?: AcquireOptions): Promise<T> {
    return this[ACQUIRE](undefined, options?.signal);
  }

  /**
   * Gives a resource from `acquire()` back for reuse (destroyed instead when older than
   * `maxLifetime`, or when the pool is shutting down). Throws a `TypeError` for a resource this
   * pool has not lent (a second release).
   */
  release(resource: T): void {
    if (!this.#lent.has(resource)) throw this.#notLent('release', resource);
    this.#giveBack(resource);
  }

  /** Destroys a resource from `acquire()` instead of giving it back (it is broken). */
  destroy(resource: T): void {
    if (!this.#lent.has(resource)) throw this.#notLent('destroy', resource);
    this.#counters.fatal++;
    this.#destroyLent(resource, 'fatal');
  }

  /**
   * Runs `fn` with a resource of this pool and gives it back when `fn` settles, in `finally`
   * (destroyed instead when `fn` fails with an error `isFatal` says poisons it). Inside a
   * lease of this pool already (a `@withResource` call, another `use()`), `fn` gets that
   * lease's resource: nested code shares one connection.
   */
  async use<R>(fn: (resource: T) => R | PromiseLike<R>): Promise<R> {
    const outer = activeLease(this);
    if (outer !== undefined) {
      this.#counters.nested++;
      return fn(outer.resource as T);
    }
    return leased(this, undefined, fn);
  }

  /** The pool's figures now (a fresh object; JSON-serializable). */
  stats(): PoolStats {
    return poolStats({
      max: this.#options.max,
      tarn: this.#tarn,
      inUse: this.#lent.size,
      counters: this.#counters,
      wait: this.#wait,
    });
  }

  /**
   * Stops lending (waiting callers and new acquires reject with `E_SHUTDOWN`), waits for the
   * leases out to come back (each is destroyed as it does), then destroys every resource. At
   * `timeout` (default `'10s'`) the resources still lent are destroyed under their callers and
   * counted in `abandoned`. Idempotent: later calls wait for the same shutdown. A registry
   * that holds the pool (`createHotpath({ pools })`) does this in its own `shutdown()`.
   */
  shutdown(options?: { timeout?: Duration }): Promise<PoolShutdownReport> {
    return shutdownPool(this, options, () => ({ abandoned: this.#abandoned }));
  }

  // ---- internal ---------------------------------------------------------------------------

  /** Takes a resource for `method` (named in events and errors). */
  [ACQUIRE](method: string | undefined, signal?: AbortSignal): Promise<T>;
  [ACQUIRE]<R>(
    method: string | undefined,
    signal: AbortSignal | undefined,
    then: (resource: T) => R | PromiseLike<R>,
  ): Promise<R>;
  [ACQUIRE]<R>(
    method: string | undefined,
    signal?: AbortSignal,
    then?: (resource: T) => R | PromiseLike<R>,
  ): Promise<T | R> {
    // Promise chains rather than an async function, and `then` (what the lease runs) in the
    // same reaction as the lending: each await or extra `then` would be one more microtask turn
    // on a path that costs a few microseconds in all (bench/pool.bench.ts).
    if (this.#state !== 'open') return Promise.reject(this.#shutdownError(method));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const pool = (this.#tarn ??= this.#build());
    const o = this.#options;
    if (
      o.maxWaiting !== Number.POSITIVE_INFINITY &&
      pool.numFree() === 0 &&
      pool.numUsed() + pool.numPendingCreates() >= o.max &&
      pool.numPendingAcquires() >= o.maxWaiting
    ) {
      this.#counters.refused++;
      const waiting = pool.numPendingAcquires();
      this.#publish('full', method, { waiting });
      return Promise.reject(
        poolFullError({
          pool: this.#name,
          method,
          max: o.max,
          waiting,
          maxWaiting: o.maxWaiting,
        }),
      );
    }
    // A lease served at once by an idle resource (no async validate to wait for) waited for
    // nothing: it counts as 0 in the wait histogram, without the two clock reads (about 0.1 µs
    // each on a VM) the hot path would otherwise pay.
    const started = pool.numFree() > 0 && o.validate === undefined ? NOT_TIMED : performance.now();
    const pending = pool.acquire();
    if (signal === undefined) {
      return pending.promise.then<T | R, never>(
        then === undefined
          ? (resource: T) => this.#lend(resource, started, method)
          : (resource: T) => then(this.#lend(resource, started, method)),
        (error: unknown) => this.#refuse(error, started, method, undefined),
      );
    }
    const abort = (): void => pending.abort();
    signal.addEventListener('abort', abort, { once: true });
    return pending.promise.then<T | R, never>(
      (resource) => {
        signal.removeEventListener('abort', abort);
        const lent = this.#lend(resource, started, method);
        return then === undefined ? lent : then(lent);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        return this.#refuse(error, started, method, signal);
      },
    );
  }

  /** tarn handed `resource` to an acquire started at `started`: it is lent now. */
  #lend(resource: T, started: number, method: string | undefined): T {
    const waitedNs = started === NOT_TIMED ? 0 : (performance.now() - started) * 1e6;
    this.#wait.record(waitedNs);
    this.#lent.add(resource);
    const c = this.#counters;
    c.leases++;
    const born = this.#born.get(resource);
    const reused = born !== undefined && born.leases++ > 0;
    if (reused) c.reused++;
    if (eventChannel.hasSubscribers)
      this.#publish('acquire', method, { waitMs: waitedNs / 1e6, reused });
    return resource;
  }

  /** tarn refused an acquire: says why in hotpath's words. */
  #refuse(
    error: unknown,
    started: number,
    method: string | undefined,
    signal?: AbortSignal,
  ): never {
    if (this.#state !== 'open') throw this.#shutdownError(method);
    if (signal?.aborted) throw signal.reason;
    if (error instanceof tarn().TimeoutError) throw this.#timeoutError(method, started, error);
    throw error;
  }

  /** Ends a lease: puts the resource back, or destroys it when `error` is fatal to it. */
  [GIVE_BACK](resource: T, failed: boolean, error: unknown): void {
    // Destroyed already: a shutdown that timed out took it from under its caller.
    if (!this.#lent.has(resource)) return;
    if (
      failed &&
      this.#options.isFatal !== undefined &&
      isFatalTo(this.#checks, error, resource, this.#onError)
    ) {
      this.#counters.fatal++;
      this.#destroyLent(resource, 'fatal');
      return;
    }
    this.#giveBack(resource);
  }

  /** Counts a decorated call that ran inside its caller's lease. */
  [NESTED](): void {
    this.#counters.nested++;
  }

  /** Stops lending and resolves once every resource is destroyed (no deadline: see FORCE). */
  [CLOSE](): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  /** Destroys every lent resource now (the shutdown deadline passed); returns how many. */
  [FORCE](): number {
    const lent = [...this.#lent];
    this.#abandoned += lent.length;
    for (const resource of lent) this.#destroyLent(resource, 'shutdown');
    this.#checkDrained();
    return lent.length;
  }

  /** Taken by a registry: named after its key there; its errors go to the registry's `error` event. */
  [ADOPT](name: string, onError: (error: unknown) => void): void {
    if (this.#adopted) throw adoptedTwiceError(name, this.#name);
    if (this.#options.name !== undefined && this.#options.name !== name)
      throw misnamedPoolError(name, this.#options.name);
    this.#adopted = true;
    this.#name = name;
    this.#onError = onError;
  }

  async #close(): Promise<void> {
    this.#state = 'closing';
    // Callers waiting for a resource are refused now. Those whose resource is being validated
    // have one: they are lent it, and tarn's own destroy waits for it to come back.
    abortWaiting(this.#tarn);
    if (this.#lent.size > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
    await this.#tarn?.destroy();
    this.#state = 'closed';
  }

  #checkDrained(): void {
    if (this.#lent.size === 0 && this.#drained !== undefined) {
      this.#drained();
      this.#drained = undefined;
    }
  }

  #giveBack(resource: T): void {
    if (this.#state !== 'open') {
      this.#destroyLent(resource, 'shutdown');
      this.#checkDrained();
      return;
    }
    if (isExpired(this.#checks, resource)) {
      this.#counters.expired++;
      this.#destroyLent(resource, 'lifetime');
      return;
    }
    this.#lent.delete(resource);
    this.#tarn!.release(resource);
  }

  /**
   * Destroys a resource that is lent: tarn can only put a lent resource back, so hotpath takes
   * it out of tarn's `used` list itself and destroys it the way tarn's reaper does, then lets
   * tarn serve waiting callers (it creates a replacement once the destroy is done).
   */
  #destroyLent(resource: T, reason: DestroyReason): void {
    this.#lent.delete(resource);
    const pool = this.#tarn;
    if (pool === undefined || !takeLent(pool, resource)) return;
    this.#reasons.set(resource, reason);
    destroyTaken(pool, resource);
  }

  #build(): TarnPool<T> {
    return buildTarnPool<T>({
      options: this.#options,
      name: () => this.#name,
      onError: (error) => this.#onError(error),
      validate: (resource) => validateIdle(this.#checks, resource),
      created: (resource) => {
        this.#counters.created++;
        this.#born.set(resource, { at: performance.now(), leases: 0 });
        this.#publish('create', undefined);
      },
      createFailed: (error) => {
        this.#counters.createFailed++;
        this.#publish('createFailed', undefined, { error: String(error) });
      },
      destroying: (resource) => {
        this.#counters.destroyed++;
        const reason = this.#reasons.get(resource) ?? 'idle';
        this.#reasons.delete(resource);
        this.#born.delete(resource);
        this.#publish('destroy', undefined, { reason });
      },
    });
  }

  #shutdownError(method: string | undefined): HotpathError {
    return poolShutdownError(this.#name, method);
  }

  #timeoutError(method: string | undefined, started: number, error: Error): PoolTimeoutError {
    this.#counters.timeouts++;
    const waitedMs =
      started === NOT_TIMED ? this.#options.acquireTimeoutMs : performance.now() - started;
    const pool = this.#tarn!;
    const o = this.#options;
    this.#publish('timeout', method, { waitedMs });
    return poolTimeoutError({
      pool: this.#name,
      method,
      acquireTimeoutMs: o.acquireTimeoutMs,
      waitedMs,
      lent: this.#lent.size,
      max: o.max,
      waiting: pool.numPendingAcquires(),
      cause: error,
    });
  }

  #notLent(operation: string, resource: T): TypeError {
    return notLentError(this.#name, operation, resource);
  }

  #publish(event: string, method: string | undefined, detail?: Record<string, unknown>): void {
    publishPoolEvent(this.#name, event, method, detail);
  }
}
