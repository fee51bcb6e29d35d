/**
 * `pool(options)`: a pool of costly resources (database connections, API clients) lent one
 * call at a time, built on tarn (timeouts on every operation, abortable acquire, async
 * validation). hotpath adds what tarn lacks: a bound on waiting callers, a maximum lifetime,
 * destroying a lent resource that a fatal error poisoned, leases that nested calls share
 * (`lease.ts`), figures and events, errors that name the pool and the wait, and a shutdown
 * bounded in time.
 *
 * Events on the `hotpath:event` channel (`decorator: 'pool'`, `pool: <name>`, `method`: the
 * leasing method when there is one, else `pool:<name>`):
 * - `create`, `createFailed` (`{ error }`), `destroy` (`{ reason }`: `idle`, `invalid`,
 *   `fatal`, `lifetime` or `shutdown`);
 * - `acquire` (`{ waitMs, reused }`), `timeout` (`{ waitedMs }`), `full` (`{ waiting }`).
 */
import { performance } from 'node:perf_hooks';
import { eventChannel } from '../core/channels.js';
import { MAX_TIMER_MS } from '../core/clock.js';
import {
  checkOptionsObject,
  configError,
  describeValue,
  durationOption,
  type Duration,
} from '../core/options.js';
import { isThenable } from '../core/thenable.js';
import { HotpathError, PoolTimeoutError } from '../errors.js';
import { DurationHistogram } from '../profile/histogram.js';
import { ACQUIRE, ADOPT, CLOSE, FORCE, GIVE_BACK, NESTED } from './internal.js';
import { activeLease, newLease, runInLease } from './lease.js';
import {
  poolSite,
  resolvePoolOptions,
  type PoolOptions,
  type ResolvedPoolOptions,
} from './options.js';
import { tarn, type TarnInternals, type TarnPool } from './tarn.js';

/** Why a resource left the pool. */
export type DestroyReason = 'idle' | 'invalid' | 'fatal' | 'lifetime' | 'shutdown';

/**
 * Percentiles of the time callers waited for a resource, in milliseconds (`null` before any
 * lease). A lease served at once by an idle resource, with no `validate` to wait for, counts as 0.
 */
export interface WaitFigures {
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** A pool's figures (`pool.stats()`, and the `pools` section of `registry.stats()`). */
export interface PoolStats {
  /** Resources open at most. */
  max: number;
  /** Resources open now, lent or idle. */
  size: number;
  /** Open and not lent. */
  idle: number;
  /** Lent to callers. */
  inUse: number;
  /** Callers waiting for a resource (including while one is created or validated for them). */
  waiting: number;
  /** Resources created so far. */
  created: number;
  /** Resources destroyed so far (every reason). */
  destroyed: number;
  /** Leases granted (acquires that got a resource). */
  leases: number;
  /** Leases served by a resource that had been lent before (not freshly created). */
  reused: number;
  /** `reused / leases`: how much opening the pool saves (`null` before any lease). */
  reuseRate: number | null;
  /** Decorated calls that ran inside a lease of their caller instead of taking one. */
  nested: number;
  /** Acquires that waited past `acquireTimeout` (`PoolTimeoutError`). */
  timeouts: number;
  /** Acquires refused at once because `maxWaiting` callers were already waiting (`E_POOL_FULL`). */
  refused: number;
  /** `create()` calls that failed or timed out. */
  createFailed: number;
  /** Resources destroyed because `validate` said no. */
  invalid: number;
  /** Resources destroyed because a lease ended with an error `isFatal` said poisons them. */
  fatal: number;
  /** Resources destroyed because they were older than `maxLifetime`. */
  expired: number;
  /** The time callers waited for a resource. */
  wait: WaitFigures;
}

/** What `pool.shutdown()` resolves with. */
export interface PoolShutdownReport {
  /** Leases still out at the timeout, whose resources were destroyed under their callers. */
  abandoned: number;
}

/** Options of `pool.acquire()`. */
export interface AcquireOptions {
  /**
   * Gives up waiting when aborted: the acquire rejects with the signal's reason.
   *
   * @default undefined (waits until `acquireTimeout`)
   */
  signal?: AbortSignal;
}

/**
 * How long one `destroy()` may take before its slot counts as free again (tarn's default): a
 * close that a frozen server never answers must not shrink the pool for ever.
 */
const DESTROY_TIMEOUT_MS = 5_000;

/** `started` of an acquire whose wait is not timed (served by an idle resource at once). */
const NOT_TIMED = -1;

/** How long `pool.shutdown()` waits for leases to come back by default. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

interface Counters {
  created: number;
  destroyed: number;
  leases: number;
  reused: number;
  nested: number;
  timeouts: number;
  refused: number;
  createFailed: number;
  invalid: number;
  fatal: number;
  expired: number;
}

/**
 * A pool of resources of type `T`, made with {@link pool}. Lend resources with
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
  readonly #counters: Counters = {
    created: 0,
    destroyed: 0,
    leases: 0,
    reused: 0,
    nested: 0,
    timeouts: 0,
    refused: 0,
    createFailed: 0,
    invalid: 0,
    fatal: 0,
    expired: 0,
  };
  readonly #wait = new DurationHistogram();
  /** Resources lent now (by this pool's own bookkeeping, not tarn's). */
  readonly #lent = new Set<T>();
  /** Creation time (performance.now()) and leases so far, per open resource. */
  readonly #born = new Map<T, { at: number; leases: number }>();
  /** Why a resource hotpath is destroying leaves (tarn's reaper destroys the idle ones). */
  readonly #reasons = new Map<T, DestroyReason>();

  /** Use {@link pool}. */
  constructor(options: PoolOptions<T>) {
    this.#options = resolvePoolOptions<T>(options);
    this.#name = this.#options.name ?? 'pool';
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
    const pool = this.#tarn;
    const c = this.#counters;
    const h = this.#wait;
    const ms = (p: number): number | null => (h.count === 0 ? null : h.percentile(p) / 1e6);
    return {
      max: this.#options.max,
      size: pool ? pool.numUsed() + pool.numFree() : 0,
      idle: pool ? pool.numFree() : 0,
      inUse: this.#lent.size,
      waiting: pool ? pool.numPendingAcquires() : 0,
      created: c.created,
      destroyed: c.destroyed,
      leases: c.leases,
      reused: c.reused,
      reuseRate: c.leases === 0 ? null : c.reused / c.leases,
      nested: c.nested,
      timeouts: c.timeouts,
      refused: c.refused,
      createFailed: c.createFailed,
      invalid: c.invalid,
      fatal: c.fatal,
      expired: c.expired,
      wait: {
        p50Ms: ms(50),
        p90Ms: ms(90),
        p99Ms: ms(99),
        maxMs: h.count === 0 ? null : h.max / 1e6,
      },
    };
  }

  /**
   * Stops lending (waiting callers and new acquires reject with `E_SHUTDOWN`), waits for the
   * leases out to come back (each is destroyed as it does), then destroys every resource. At
   * `timeout` (default `'10s'`) the resources still lent are destroyed under their callers and
   * counted in `abandoned`. Idempotent: later calls wait for the same shutdown. A registry
   * that holds the pool (`createHotpath({ pools })`) does this in its own `shutdown()`.
   */
  shutdown(options?: { timeout?: Duration }): Promise<PoolShutdownReport> {
    const where = { where: `shutdown() of pool '${this.#name}'` };
    checkOptionsObject(where, options, ['timeout']);
    const timeoutMs = durationOption(where, 'timeout', options?.timeout, SHUTDOWN_TIMEOUT_MS, {
      positive: true,
      max: MAX_TIMER_MS,
    });
    return this.#shutdownWithin(timeoutMs);
  }

  async #shutdownWithin(timeoutMs: number): Promise<PoolShutdownReport> {
    const closing = this[CLOSE]();
    // A referenced timer: a process whose last work is a lease that never ends must still
    // see shutdown() resolve.
    const timer = setTimeout(() => this[FORCE](), timeoutMs);
    try {
      await closing;
    } finally {
      clearTimeout(timer);
    }
    return { abandoned: this.#abandoned };
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
        new HotpathError(
          'E_POOL_FULL',
          `${this.#for(method)}pool '${this.#name}' has all ${o.max} resources lent and ${waiting} callers waiting (maxWaiting ${o.maxWaiting}): refused at once`,
        ),
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
    if (failed && this.#options.isFatal !== undefined && this.#fatal(error, resource)) {
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
    if (this.#adopted) {
      throw configError(
        { where: 'createHotpath' },
        `\`pools.${name}\` already belongs to a registry (as '${this.#name}'): a pool is shut down with the registry that holds it, so it can belong to one only`,
      );
    }
    if (this.#options.name !== undefined && this.#options.name !== name) {
      throw configError(
        { where: 'createHotpath' },
        `\`pools.${name}\` is a pool named '${this.#options.name}': resource('${name}') would not find it; name it '${name}' or leave its name out`,
      );
    }
    this.#adopted = true;
    this.#name = name;
    this.#onError = onError;
  }

  async #close(): Promise<void> {
    this.#state = 'closing';
    // Callers waiting for a resource are refused now. Those whose resource is being validated
    // have one: they are lent it, and tarn's own destroy waits for it to come back.
    for (const pending of [
      ...((this.#tarn as unknown as TarnInternals<T> | undefined)?.pendingAcquires ?? []),
    ])
      pending.abort();
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
    if (this.#expired(resource)) {
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
    const pool = this.#tarn as unknown as TarnInternals<T> | undefined;
    if (pool === undefined) return;
    const index = pool.used.findIndex((u) => u.resource === resource);
    if (index < 0) return;
    const [used] = pool.used.splice(index, 1);
    used!.settle();
    this.#reasons.set(resource, reason);
    void pool._destroy(resource);
    pool._tryAcquireOrCreate();
  }

  #expired(resource: T): boolean {
    if (this.#options.maxLifetimeMs === Number.POSITIVE_INFINITY) return false;
    const born = this.#born.get(resource);
    return born !== undefined && performance.now() - born.at >= this.#options.maxLifetimeMs;
  }

  #fatal(error: unknown, resource: T): boolean {
    try {
      return this.#options.isFatal!(error, resource) === true;
    } catch (isFatalError) {
      // Unsure whether the resource is sound: do not lend it again.
      this.#onError(new Error(`isFatal() threw: ${String(isFatalError)}`, { cause: isFatalError }));
      return true;
    }
  }

  #build(): TarnPool<T> {
    const o = this.#options;
    const { Pool } = tarn();
    const pool = new Pool<T>({
      create: (() => this.#create()) as never,
      destroy: (resource: T) => this.#destroyResource(resource),
      validate: ((resource: T) => this.#validate(resource)) as never,
      min: o.min,
      max: o.max,
      acquireTimeoutMillis: o.acquireTimeoutMs,
      createTimeoutMillis: o.createTimeoutMs,
      idleTimeoutMillis: o.idleTimeoutMs,
      destroyTimeoutMillis: DESTROY_TIMEOUT_MS,
      // The reaper runs at most every second, and often enough for short idle timeouts.
      reapIntervalMillis: Math.max(1, Math.min(1_000, Math.ceil(o.idleTimeoutMs / 2))),
      log: (message: string) => this.#onError(new Error(message)),
    });
    // tarn counts a resource as gone as soon as it starts destroying it, and creates its
    // replacement at once: for as long as the old connection takes to close, `max + 1` would be
    // open. Resources being destroyed count against `max` here, and a finished destroy lets
    // waiting callers have the freed slot.
    const internals = pool as unknown as TarnInternals<T>;
    internals._shouldCreateMoreResources = () =>
      internals.used.length + internals.pendingCreates.length + internals.pendingDestroys.length <
        o.max && internals.pendingCreates.length < internals.pendingAcquires.length;
    const destroy = internals._destroy.bind(pool);
    internals._destroy = (resource) => {
      const done = destroy(resource);
      // tarn's promise never rejects and settles after the destroy left `pendingDestroys`.
      void done.then(() => pool._tryAcquireOrCreate());
      return done;
    };
    pool.on('createSuccess', (_id, resource) => {
      this.#counters.created++;
      this.#born.set(resource, { at: performance.now(), leases: 0 });
      this.#publish('create', undefined);
    });
    pool.on('createFail', (_id, error) => {
      this.#counters.createFailed++;
      this.#publish('createFailed', undefined, { error: String(error) });
    });
    pool.on('destroyRequest', (_id, resource) => {
      this.#counters.destroyed++;
      const reason = this.#reasons.get(resource) ?? 'idle';
      this.#reasons.delete(resource);
      this.#born.delete(resource);
      this.#publish('destroy', undefined, { reason });
    });
    return pool;
  }

  async #create(): Promise<T> {
    const resource = await this.#options.create();
    if (!resource) {
      // tarn would wait for a callback that never comes: say what went wrong instead.
      throw new TypeError(
        `pool '${this.#name}': create() returned ${describeValue(resource)}, not a resource`,
      );
    }
    return resource;
  }

  /** Never rejects: a destroy failure is reported, and the resource is gone from the pool either way. */
  async #destroyResource(resource: T): Promise<void> {
    try {
      await this.#options.destroy(resource);
    } catch (error) {
      this.#onError(new Error(`destroy() failed: ${String(error)}`, { cause: error }));
    }
  }

  #validate(resource: T): boolean | Promise<boolean> {
    if (this.#expired(resource)) {
      this.#counters.expired++;
      this.#reasons.set(resource, 'lifetime');
      return false;
    }
    const validate = this.#options.validate;
    if (validate === undefined) return true;
    const invalid = (): false => {
      this.#counters.invalid++;
      this.#reasons.set(resource, 'invalid');
      return false;
    };
    let result: boolean | PromiseLike<boolean>;
    try {
      result = validate(resource);
    } catch {
      return invalid();
    }
    if (!isThenable(result)) return result === true || invalid();
    return Promise.resolve(result).then(
      (ok) => ok === true || invalid(),
      () => invalid(),
    );
  }

  #for(method: string | undefined): string {
    return method === undefined ? '' : `${method}: `;
  }

  #shutdownError(method: string | undefined): HotpathError {
    return new HotpathError(
      'E_SHUTDOWN',
      `${this.#for(method)}pool '${this.#name}' has been shut down and lends no more resources`,
    );
  }

  #timeoutError(method: string | undefined, started: number, error: Error): PoolTimeoutError {
    this.#counters.timeouts++;
    const waitedMs =
      started === NOT_TIMED ? this.#options.acquireTimeoutMs : performance.now() - started;
    const pool = this.#tarn!;
    const o = this.#options;
    const unknown = error.message === 'operation timed out for an unknown reason';
    this.#publish('timeout', method, { waitedMs });
    return new PoolTimeoutError(
      `${this.#for(method)}pool '${this.#name}' lent no resource within ${o.acquireTimeoutMs} ms (acquireTimeout; waited ${Math.round(waitedMs)} ms): ${this.#lent.size} of ${o.max} lent, ${pool.numPendingAcquires()} other callers waiting` +
        (unknown ? '' : `; creating one failed: ${error.message}`),
      this.#name,
      waitedMs,
      { cause: error },
    );
  }

  #notLent(operation: string, resource: T): TypeError {
    return configError(
      poolSite(this.#name),
      `${operation}() got ${describeValue(resource)}, which this pool has not lent (given back twice?)`,
    );
  }

  #publish(event: string, method: string | undefined, detail?: Record<string, unknown>): void {
    if (!eventChannel.hasSubscribers) return;
    eventChannel.publish({
      decorator: 'pool',
      event,
      method: method ?? `pool:${this.#name}`,
      pool: this.#name,
      ...detail,
    });
  }
}

/**
 * Runs `fn(resource)` in a new lease of `pool` for `method`: takes a resource, runs `fn` with
 * the lease as its context, gives the resource back in `finally` (destroyed when `fn` failed
 * with an error fatal to it). The lease ends (`resource()` refuses it) as `fn` settles.
 */
export function leased<T, R>(
  pool: ResourcePool<T>,
  method: string | undefined,
  fn: (resource: T) => R | PromiseLike<R>,
): Promise<R> {
  // Promise chains rather than async/await: two microtask turns fewer per lease.
  return pool[ACQUIRE](method, undefined, (resource) => {
    const lease = newLease(pool, resource);
    let result: R | PromiseLike<R>;
    try {
      result = runInLease(lease, fn, resource);
    } catch (error) {
      lease.active = false;
      pool[GIVE_BACK](resource, true, error);
      throw error;
    }
    if (!isThenable(result)) {
      lease.active = false;
      pool[GIVE_BACK](resource, false, undefined);
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        lease.active = false;
        pool[GIVE_BACK](resource, false, undefined);
        return value;
      },
      (error: unknown) => {
        lease.active = false;
        pool[GIVE_BACK](resource, true, error);
        throw error;
      },
    );
  });
}

/**
 * Defines a pool of resources (connections, clients) lent one call at a time; give it to a
 * registry (`createHotpath({ pools: { db: pool({...}) } })`) and lease from it with
 * `@withResource('db')`, or use it on its own (`@withResource(db)`, `db.use(fn)`,
 * `db.acquire()`). Options are checked here (house-form `TypeError`s); tarn is loaded and the
 * pool built at the first lease, and no resource is created before one is needed.
 *
 * @example
 * const db = pool({
 *   create: async () => { const c = new pg.Client(url); await c.connect(); return c; },
 *   destroy: (c) => c.end(),
 *   validate: (c) => c.query('select 1').then(() => true, () => false),
 *   isFatal: (e) => (e as { code?: string }).code === '57P01',
 *   max: 10,
 *   acquireTimeout: '5s',
 * });
 */
export function pool<T>(options: PoolOptions<T>): ResourcePool<T> {
  return new ResourcePool(options);
}
