/**
 * The Bottleneck engine: runs calls through a Bottleneck limiter, which is how one limit is
 * shared by many processes (Bottleneck clustering over Redis with ioredis).
 *
 * What Bottleneck 2.19.5 gets wrong in clustered mode is repaired from the outside
 * (bottleneck-repair.ts): its recovery from a lost state never runs on Redis 7 and, once it
 * runs, exceeds the limit; a call whose Redis script never answers (Redis down) waits forever.
 * Here, a start Bottleneck granted is made only while it still keeps the spacing: a job whose
 * process runs it too late (a busy or descheduled process), or whose grant the lost state
 * voided, is scheduled again instead.
 */
import type { Call } from '../core/call.js';
import { publishEvent } from '../core/channels.js';
import { withDeadline } from '../core/deadline.js';
import { ObservedPromise } from '../core/observed-promise.js';
import type { Invoke, SiteInfo } from '../core/site.js';
import { HotpathError, RateLimitError } from '../errors.js';
import { disconnectLimiter } from './disconnect-limiter.js';
import type { BottleneckLike } from './bottleneck-like.js';
import { ON_GRANT, hardenBottleneck } from './bottleneck-repair.js';
import { refuse, startWaited, stoppedError, type Engine, type SiteContext } from './engine.js';
import { priorityOf } from './priority.js';
import { errorMessage } from '../core/error-message.js';

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
  /**
   * How late after its grant a job may still start, ms (`Infinity`: any time). A later one is
   * scheduled again: see `DerivedBottleneckSettings.lateness` (bottleneck-limiter.ts).
   */
  readonly lateness: number;
}

interface Pending {
  readonly ctx: SiteContext;
  readonly call: Call;
  readonly inner: Invoke;
  readonly since: number;
  priority: number;
  /** The current Bottleneck job's ticket; jobs of older tickets do nothing. */
  ticket: Ticket | undefined;
  /** Made by the registry's own shutdown work: served, not refused, when shutdown starts. */
  readonly closing: boolean;
  started: boolean;
  cancelled: boolean;
  /** The caller's promise: see `refuse()` in local-engine.ts. */
  promise: ObservedPromise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** One Bottleneck job of a waiting call; the call gets a new one when its grant is void. */
class Ticket {
  readonly entry: Pending;
  /** When Bottleneck granted the job a start (epoch ms), once it has. */
  grantAt: number | undefined;

  constructor(entry: Pending) {
    this.entry = entry;
  }

  [ON_GRANT](at: number): void {
    this.grantAt = at;
  }
}

/**
 * Runs calls through one Bottleneck limiter (shared by every method and instance that names it,
 * or owned by one decorated method). Each caller gets its own promise: it settles with the
 * method's result once Bottleneck starts the job, or rejects with a `RateLimitError` (Bottleneck
 * dropped the job, or this process's `maxQueue` is full), an `E_STORE` `HotpathError` (Redis did
 * not answer within `redisTimeout`), or `E_SHUTDOWN`. A call rejected before it started never runs:
 * its job, if Bottleneck still holds it, becomes a no-op.
 */
export class BottleneckEngine implements Engine {
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
    hardenBottleneck(
      limiter,
      options.redisTimeout,
      (error) => this.#failPending(error),
      () => this.#voidGrants(),
    );
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
        call,
        inner,
        since: Date.now(),
        priority: 5,
        ticket: undefined,
        closing: call.runtime.closed,
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
          if (now && this.#pending.size === 0) return this.#schedule(entry);
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
      this.#schedule(entry);
    }
    return promise;
  }

  /** Refuses a call that never reached the limiter's queue. */
  #refuse(entry: Pending, error: unknown): void {
    entry.cancelled = true;
    entry.ctx.figures.rejected++;
    refuse(entry.promise, entry.reject, entry.ctx, error);
  }

  #schedule(entry: Pending): void {
    const ctx = entry.ctx;
    const figures = ctx.figures;
    figures.tracksRunning = true;
    if (this.#stopping) {
      this.#refuse(entry, stoppedError(ctx.site));
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
    try {
      entry.priority = priorityOf(ctx, entry.call);
    } catch (error) {
      this.#refuse(entry, error);
      return;
    }
    this.#pending.add(entry);
    figures.queued++;
    publishEvent('rateLimit', 'queued', ctx.site, () => ({ queued: this.#pending.size }));
    this.#submit(entry);
  }

  /** Hands the call to Bottleneck as a new job (the previous one, if any, becomes a no-op). */
  #submit(entry: Pending): void {
    const ticket = new Ticket(entry);
    entry.ticket = ticket;
    this.limiter
      .schedule({ priority: entry.priority }, this.#job, ticket)
      .catch((error: unknown) => {
        // A job of a void ticket, or of a call that started or was refused: nothing to tell.
        if (entry.ticket !== ticket || entry.started || entry.cancelled) return;
        this.#settle(entry, this.#translate(error, entry.ctx));
      });
  }

  /** What Bottleneck runs when it starts a job. */
  readonly #job = (ticket: Ticket): unknown => {
    const entry = ticket.entry;
    if (entry.ticket !== ticket || entry.cancelled) return undefined;
    if (ticket.grantAt !== undefined && Date.now() - ticket.grantAt > this.#options.lateness) {
      // Too late to keep the spacing (this process was busy or descheduled): ask again.
      this.#submit(entry);
      return undefined;
    }
    const figures = entry.ctx.figures;
    this.#pending.delete(entry);
    entry.started = true;
    figures.queued--;
    figures.started++;
    figures.waits++;
    figures.waitedMs += Date.now() - entry.since;
    publishEvent('rateLimit', 'started', entry.ctx.site);
    this.#running++;
    figures.running++;
    const result = startWaited(entry.call, entry.inner);
    entry.resolve(result);
    // Bottleneck counts the job as running until this settles (maxConcurrent).
    const done = (): void => this.#release(figures);
    return Promise.resolve(result).finally(done);
  };

  /**
   * The limiter's shared state was lost: the starts it granted this process and that have not
   * been made are void (the new state may grant the same moments to others). Those calls are
   * scheduled again; calls not granted yet keep their place.
   */
  #voidGrants(): void {
    for (const entry of this.#pending) {
      if (entry.ticket?.grantAt !== undefined && !entry.started && !entry.cancelled) {
        this.#submit(entry);
      }
    }
  }

  /**
   * Shutdown has started: rejects the calls of this process still waiting for the limiter with
   * `error(site)` (`E_SHUTDOWN`), except those the registry's own shutdown work made (a flushed
   * batch calling a rate-limited method). Their Bottleneck jobs, if they ever run, do nothing.
   */
  dropWaiting(error: (site: SiteInfo) => HotpathError): void {
    for (const entry of [...this.#pending]) {
      if (!entry.closing) this.#settle(entry, error(entry.ctx.site));
    }
  }

  /**
   * Rejects waiting calls with `error(site)` (`E_SHUTDOWN`), waits for calls in flight, then stops
   * the limiter (and disconnects it when hotpath built it).
   */
  stop(error: (site: SiteInfo) => HotpathError): Promise<void> {
    this.#stopping ??= (async () => {
      for (const entry of [...this.#pending]) this.#settle(entry, error(entry.ctx.site));
      if (this.#running > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      // Both talk to Redis when clustered: bounded, so a dead Redis cannot hold up shutdown.
      const bound = this.#options.redisTimeout;
      try {
        const stopped = this.limiter.stop?.({ dropWaitingJobs: true });
        if (stopped) await withDeadline(stopped, bound);
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
    const reason = errorMessage(cause);
    return new HotpathError(
      'E_STORE',
      `${ctx.site.name}: the rate limiter${this.#where()} could not reach Redis (${reason}); the call was not started`,
      { cause },
    );
  }

  #translate(error: unknown, ctx: SiteContext): unknown {
    if (error instanceof HotpathError && error.code === 'E_STORE')
      return this.#storeError(ctx, error);
    // Bottleneck's errors do not set `name`, and a user's own copy of bottleneck has its own
    // class: its class name tells (hotpath's copy may not even be loaded for a given limiter).
    if (
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
