/**
 * The Bottleneck engine: runs calls through a Bottleneck limiter, which is how one limit is
 * shared by many processes (Bottleneck clustering over Redis with ioredis).
 *
 * Two things Bottleneck 2.19.5 gets wrong in clustered mode are repaired here from the outside
 * (see {@link hardenBottleneck}): its recovery from a lost settings key never runs on Redis 7,
 * and a call whose Redis script never answers (Redis down) waits forever.
 */
import Bottleneck from 'bottleneck';
import type { Call } from '../core/call.js';
import { publishEvent } from '../core/channels.js';
import { ObservedPromise } from '../core/observed-promise.js';
import type { Invoke, Site } from '../core/site.js';
import { HotpathError, RateLimitError } from '../errors.js';
import { disconnectLimiter } from '../registry/hotpath.js';
import { priorityOf, refuse, type SiteContext } from './local-engine.js';

/**
 * The part of a Bottleneck limiter hotpath uses. Anything with a `schedule` function is taken
 * for a Bottleneck instance (named limiters are detected structurally, so hotpath never loads
 * Bottleneck unless asked to build one).
 */
export interface BottleneckLike {
  schedule<R>(
    options: { priority?: number; id?: string },
    fn: () => PromiseLike<R> | R,
  ): Promise<R>;
  on?(event: 'error', listener: (error: unknown) => void): void;
  stop?(options?: { dropWaitingJobs?: boolean }): Promise<void>;
  check?(weight?: number): Promise<boolean>;
  disconnect?(flush?: boolean): Promise<void>;
}

/** Is `value` a Bottleneck limiter (structurally: it has `schedule`)? */
export function isBottleneck(value: unknown): value is BottleneckLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { schedule?: unknown }).schedule === 'function'
  );
}

/** What the engine needs from its owner. */
export interface BottleneckEngineOptions {
  /**
   * hotpath built the limiter: `stop()` disconnects it. A limiter given in the registry's
   * `limiters` is stopped here and disconnected by the registry (it belongs to the registry).
   */
  readonly owned: boolean;
  /** Calls of this process waiting for the limiter at most (per process); `Infinity` = unbounded. */
  readonly maxQueue: number;
  /** How long one Redis script of the limiter may take before the call fails (ms). */
  readonly redisTimeout: number;
  /** Reports errors nobody awaits (Bottleneck's `error` events). */
  readonly onError: (error: unknown) => void;
  /** Name for messages (`limiter 'github'`), if named. */
  readonly name: string | undefined;
}

interface Pending {
  readonly ctx: SiteContext;
  readonly since: number;
  /** Made by the registry's own shutdown work: served, not refused, when shutdown starts. */
  readonly closing: boolean;
  started: boolean;
  cancelled: boolean;
  /** The caller's promise: see `refuse()` in local-engine.ts. */
  promise: ObservedPromise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Marks a connection/datastore already patched by {@link hardenBottleneck}. */
const HARDENED = Symbol.for('hotpath.bottleneck.hardened');

/** The Bottleneck errors (as Redis 7 words them) whose recovery Bottleneck only runs without the prefix. */
const PREFIXED_RECOVERABLE = /^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$/;

/** Scripts that run inside Bottleneck's own `ready` chain or its recovery: never time them out (see below). */
const UNBOUNDED_SCRIPTS = new Set(['init', 'register_client']);

interface RedisDatastoreLike {
  runScript(name: string, args: unknown[]): Promise<unknown>;
  connection?: ScriptConnection;
  [HARDENED]?: true;
}

interface ScriptConnection {
  __scriptArgs__(
    name: string,
    id: string,
    args: unknown[],
    cb: (err: unknown, replies: unknown) => void,
  ): unknown[];
  [HARDENED]?: true;
}

/**
 * Makes a clustered Bottleneck limiter survive Redis trouble. No-op for local limiters.
 *
 * 1. Redis 7 prefixes script errors raised with `redis.error_reply('X')` as `ERR X`.
 *    Bottleneck's `RedisDatastore.runScript` (node_modules/bottleneck/lib/RedisDatastore.js,
 *    the `.catch` after `__scriptFn__(name)(...arr)`) compares `e.message === "SETTINGS_KEY_NOT_FOUND"`
 *    and `=== "UNKNOWN_CLIENT"` exactly; the messages come from `validate_keys.lua` and
 *    `validate_client.lua` (lib/lua.json). With the prefix the comparison fails, so when the
 *    settings key disappears (FLUSHALL, eviction, expiry, a Redis restart without persistence)
 *    every job fails with `ERR SETTINGS_KEY_NOT_FOUND` instead of re-running `init` and retrying.
 *    Fix: wrap the connection's `__scriptArgs__`, which builds every script call and receives its
 *    reply callback, so the callback sees the message without the `ERR ` prefix. Bottleneck's
 *    own recovery (re-`init` with `clear = false`, or `register_client`, then retry the script)
 *    then runs exactly as its authors intended on Redis 6. Only those two exact messages change.
 *
 * 2. While Redis is unreachable, ioredis holds commands (offline queue, reconnect retries), so a
 *    script call and the job waiting for it can hang for a long time. Fix: wrap the datastore's
 *    `runScript` so each script call (other than `init`/`register_client`, which run inside
 *    Bottleneck's `ready` chain, where a rejection would poison `ready` for good, and inside the
 *    recovery of an already bounded call) fails after `redisTimeout` ms with an `E_STORE`
 *    `HotpathError`. `onFailure` hears about every failure that is not a Redis reply (a
 *    timeout, a closed connection), so the engine can reject the calls still waiting: a failed
 *    `submit` already rejects its job, but a failed `register` leaves jobs queued with nothing
 *    left to wake them, and Bottleneck's heartbeat (every 5 s) is then the script that fails.
 *
 * Both wrappers are installed once per datastore/connection (marked with a symbol).
 */
export function hardenBottleneck(
  limiter: BottleneckLike,
  redisTimeout: number,
  onFailure: (error: unknown) => void,
): void {
  const store = (limiter as unknown as { _store?: RedisDatastoreLike })._store;
  if (!store || typeof store.runScript !== 'function' || !store.connection) return; // local datastore
  const connection = store.connection;
  if (typeof connection.__scriptArgs__ === 'function' && !connection[HARDENED]) {
    connection[HARDENED] = true;
    const scriptArgs = connection.__scriptArgs__;
    connection.__scriptArgs__ = function (this: ScriptConnection, name, id, args, cb) {
      return scriptArgs.call(this, name, id, args, (err, replies) => {
        if (err instanceof Error && PREFIXED_RECOVERABLE.test(err.message)) {
          err.message = err.message.slice(4);
        }
        cb(err, replies);
      });
    };
  }
  if (store[HARDENED]) return;
  store[HARDENED] = true;
  const runScript = store.runScript;
  store.runScript = function (
    this: RedisDatastoreLike,
    name: string,
    args: unknown[],
  ): Promise<unknown> {
    const running = runScript.call(this, name, args);
    if (UNBOUNDED_SCRIPTS.has(name)) return running;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new HotpathError(
          'E_STORE',
          `Redis did not answer the rate limiter's '${name}' script within ${redisTimeout} ms`,
        );
        onFailure(error);
        reject(error);
      }, redisTimeout);
      timer.unref?.();
      running.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if ((error as { name?: unknown } | null)?.name !== 'ReplyError') onFailure(error);
          reject(error);
        },
      );
    });
  };
}

/**
 * Runs calls through one Bottleneck limiter (shared by every method and instance that names it,
 * or owned by one decorated method). Each caller gets its own promise: it settles with the
 * method's result once Bottleneck starts the job, or rejects with a `RateLimitError` (Bottleneck
 * dropped the job, or this process's `maxQueue` is full), an `E_STORE` `HotpathError` (Redis did
 * not answer within `redisTimeout`), or `E_SHUTDOWN`. A call rejected before it started never runs:
 * its job, if Bottleneck still holds it, becomes a no-op.
 */
export class BottleneckEngine {
  readonly limiter: BottleneckLike;
  readonly #options: BottleneckEngineOptions;
  readonly #pending = new Set<Pending>();
  #running = 0;
  #stopping: Promise<void> | undefined;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];

  constructor(limiter: BottleneckLike, options: BottleneckEngineOptions) {
    this.limiter = limiter;
    this.#options = options;
    limiter.on?.('error', (error) => {
      // Once stopped, the limiter is being disconnected: "Connection is closed" is expected.
      if (!this.#stopped) options.onError(error);
    });
    hardenBottleneck(limiter, options.redisTimeout, (error) => this.#failPending(error));
  }

  /** Calls of this process waiting for the limiter. */
  get queued(): number {
    return this.#pending.size;
  }

  /** Schedules `inner(call)` on the limiter; see the class comment for what the caller gets. */
  run(call: Call, inner: Invoke, ctx: SiteContext): Promise<unknown> {
    let entry!: Pending;
    const promise = new ObservedPromise<unknown>((resolve, reject) => {
      entry = {
        ctx,
        since: Date.now(),
        closing: call.registry.closed,
        started: false,
        cancelled: false,
        promise: undefined as unknown as ObservedPromise<unknown>,
        resolve,
        reject,
      };
    });
    entry.promise = promise;
    if (ctx.reject && typeof this.limiter.check === 'function') {
      // onLimit 'reject': Bottleneck's check() says whether a job would start now (one Redis
      // round trip when clustered; another process may take the slot in between).
      this.limiter.check().then(
        (now) => {
          if (now && this.#pending.size === 0) return this.#schedule(entry, call, inner);
          publishEvent('rateLimit', 'rejected', ctx.site, { reason: 'limit', retryAfter: 0 });
          this.#refuse(
            entry,
            new RateLimitError(
              `${ctx.site.name}: rate limit reached (${ctx.describe})${this.#where()}; retry in 0 ms`,
              0,
            ),
          );
        },
        (error: unknown) => this.#refuse(entry, this.#translate(error, ctx)),
      );
    } else {
      this.#schedule(entry, call, inner);
    }
    return promise;
  }

  /** Refuses a call that never reached the limiter's queue. */
  #refuse(entry: Pending, error: unknown): void {
    entry.cancelled = true;
    entry.ctx.figures.rejected++;
    refuse(entry.promise, entry.reject, entry.ctx, error);
  }

  #schedule(entry: Pending, call: Call, inner: Invoke): void {
    const ctx = entry.ctx;
    const figures = ctx.figures;
    figures.tracksRunning = true;
    if (this.#stopping) {
      this.#refuse(
        entry,
        new HotpathError(
          'E_SHUTDOWN',
          `${ctx.site.name}: the rate limiter has been stopped (registry shut down)`,
        ),
      );
      return;
    }
    if (this.#pending.size >= this.#options.maxQueue) {
      publishEvent('rateLimit', 'rejected', ctx.site, { reason: 'queue-full', retryAfter: 0 });
      this.#refuse(
        entry,
        new RateLimitError(
          `${ctx.site.name}: rate limit queue is full (maxQueue ${this.#options.maxQueue})${this.#where()}; retry in 0 ms`,
          0,
        ),
      );
      return;
    }
    let priority: number;
    try {
      priority = priorityOf(ctx, call);
    } catch (error) {
      this.#refuse(entry, error);
      return;
    }
    this.#pending.add(entry);
    figures.queued++;
    publishEvent('rateLimit', 'queued', ctx.site, () => ({ queued: this.#pending.size }));
    const job = (): unknown => {
      if (entry.cancelled) return undefined;
      this.#pending.delete(entry);
      entry.started = true;
      figures.queued--;
      figures.started++;
      const waited = Date.now() - entry.since;
      figures.waits++;
      figures.waitedMs += waited;
      publishEvent('rateLimit', 'started', ctx.site);
      this.#running++;
      figures.running++;
      let result: unknown;
      try {
        result = inner(call);
      } catch (error) {
        result = Promise.reject(error);
      }
      entry.resolve(result);
      // Bottleneck counts the job as running until this settles (maxConcurrent).
      const done = (): void => this.#release(figures);
      return Promise.resolve(result).finally(done);
    };
    this.limiter.schedule({ priority }, job).catch((error: unknown) => {
      if (entry.started || entry.cancelled) return; // the caller already has the method's own outcome
      this.#settle(entry, this.#translate(error, ctx));
    });
  }

  /**
   * Shutdown has started: rejects the calls of this process still waiting for the limiter with
   * `error(site)` (`E_SHUTDOWN`), except those the registry's own shutdown work made (a flushed
   * batch calling a rate-limited method). Their Bottleneck jobs, if they ever run, do nothing.
   */
  dropWaiting(error: (site: Site) => HotpathError): void {
    for (const entry of [...this.#pending]) {
      if (!entry.closing) this.#settle(entry, error(entry.ctx.site));
    }
  }

  /**
   * Rejects waiting calls with `error(site)` (`E_SHUTDOWN`), waits for calls in flight, then stops
   * the limiter (and disconnects it when hotpath built it).
   */
  stop(error: (site: Site) => HotpathError): Promise<void> {
    this.#stopping ??= (async () => {
      for (const entry of [...this.#pending]) this.#settle(entry, error(entry.ctx.site));
      if (this.#running > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      // Both talk to Redis when clustered: bounded, so a dead Redis cannot hold up shutdown.
      const bound = this.#options.redisTimeout;
      try {
        await withTimeout(this.limiter.stop?.({ dropWaitingJobs: true }), bound);
      } catch {
        // Already stopped by its owner: nothing left to stop.
      }
      this.#stopped = true;
      // A limiter given in the registry's `limiters` is disconnected by the registry itself,
      // with its stores (whether or not a call ever used it).
      if (this.#options.owned) await disconnectLimiter(this.limiter, bound);
    })();
    return this.#stopping;
  }

  #where(): string {
    return this.#options.name ? ` (limiter '${this.#options.name}')` : '';
  }

  #release(figures: { running: number }): void {
    this.#running--;
    figures.running--;
    if (this.#running === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Rejects a waiting call (once); its Bottleneck job, if it ever runs, does nothing. */
  #settle(entry: Pending, error: unknown): void {
    if (entry.started || entry.cancelled) return;
    entry.cancelled = true;
    this.#pending.delete(entry);
    entry.ctx.figures.queued--;
    entry.ctx.figures.rejected++;
    publishEvent('rateLimit', 'rejected', entry.ctx.site, () => ({
      reason: (error as { code?: unknown }).code === 'E_RATE_LIMITED' ? 'dropped' : 'error',
    }));
    refuse(entry.promise, entry.reject, entry.ctx, error);
  }

  /** Redis is unreachable: every call still waiting in this process fails now instead of hanging. */
  #failPending(cause: unknown): void {
    for (const entry of [...this.#pending]) this.#settle(entry, this.#storeError(entry.ctx, cause));
  }

  #storeError(ctx: SiteContext, cause: unknown): HotpathError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new HotpathError(
      'E_STORE',
      `${ctx.site.name}: the rate limiter${this.#where()} could not reach Redis (${reason}); the call was not started`,
      { cause },
    );
  }

  #translate(error: unknown, ctx: SiteContext): unknown {
    if (error instanceof HotpathError && error.code === 'E_STORE')
      return this.#storeError(ctx, error);
    // Bottleneck's errors do not set `name`; a user's own copy of bottleneck has its own class.
    if (
      error instanceof Bottleneck.BottleneckError ||
      (error as { constructor?: { name?: unknown } } | null)?.constructor?.name ===
        'BottleneckError'
    ) {
      return new RateLimitError(
        `${ctx.site.name}: the Bottleneck limiter${this.#where()} dropped the call (${(error as Error).message}); retry in 0 ms`,
        0,
        { cause: error },
      );
    }
    return this.#storeError(ctx, error);
  }
}

/** `promise`'s value, or `false` when it has not settled within `ms` (a timer that keeps nobody alive). */
async function withTimeout<T>(
  promise: Promise<T> | undefined,
  ms: number,
): Promise<T | false | undefined> {
  if (promise === undefined) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The Bottleneck settings hotpath derives from `limit`/`interval`/`maxConcurrent`/`minTime`/`maxQueue`. */
export interface DerivedBottleneckSettings {
  maxConcurrent: number | null;
  minTime: number;
}

/**
 * Translates hotpath's limits into Bottleneck's. Bottleneck has no sliding window (its reservoir
 * refills in fixed windows, which lets `2 × limit` calls through around a refill), so
 * `limit` per `interval` becomes a spacing of `interval / limit` between starts: evenly spaced
 * starts can never put more than `limit` of them in any window of `interval`. Bottleneck spaces
 * the moments it grants; each process starts its job when its own timer fires, a little later
 * and by a different amount in each process, so 10 % + 2 ms of slack is added to the spacing
 * (and to `minTime`) to keep the window exact across processes in practice. So a clustered
 * limiter runs at about 90 % of `limit`, without bursts.
 */
export function deriveBottleneckSettings(s: {
  limit: number;
  interval: number;
  maxConcurrent: number;
  minTime: number;
}): DerivedBottleneckSettings {
  const spacing = Math.max(
    s.minTime,
    s.limit === Number.POSITIVE_INFINITY ? 0 : s.interval / s.limit,
  );
  return {
    maxConcurrent: s.maxConcurrent === Number.POSITIVE_INFINITY ? null : s.maxConcurrent,
    minTime: spacing > 0 ? Math.ceil((spacing * 11) / 10) + 2 : 0,
  };
}

/** Builds a Bottleneck limiter from derived settings plus the user's own Bottleneck options (`datastore`, `id`, ...). */
export function buildBottleneck(
  settings: DerivedBottleneckSettings,
  extra: Bottleneck.ConstructorOptions | undefined,
): BottleneckLike {
  return new Bottleneck({
    ...extra,
    maxConcurrent: settings.maxConcurrent,
    minTime: settings.minTime,
  }) as unknown as BottleneckLike;
}
