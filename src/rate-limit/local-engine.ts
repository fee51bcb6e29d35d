/**
 * The in-process rate-limit engine: a rate (a sliding window or a token bucket, see
 * rate-algorithm.ts), `maxConcurrent`, `minTime` and a FIFO queue with priorities, all driven by
 * the registry's clock.
 *
 * Time is the clock's monotonic, sub-millisecond reading (`monotonicReader` in core/clock.ts:
 * `process.hrtime()` for the system clock). Whole `Date.now()` milliseconds let a 200 ms window
 * hold 38 starts against a limit of 20 and `minTime: 15` allow 14.0 ms gaps, measured with
 * `performance.now()`: a start late in one millisecond and another early in a later one are
 * up to 1 ms closer than their readings say.
 *
 * Cost when no wait is needed: one clock reading, a few comparisons and one ring-buffer write;
 * no timer, no promise: the method's own result is handed back as is. Without `minTime`, a
 * sliding window with room even before expired starts are dropped admits without reading the
 * clock, and the one reading is the start's own, after the method's synchronous part (without
 * a rate, no reading at all). A completion handler is attached only when `maxConcurrent` is set
 * (it needs to know when a call ends). Timers exist only while calls wait in the queue (one
 * timer per engine at a time).
 */
import type { Call } from '../core/call.js';
import { monotonicReader, type Clock } from '../core/clock.js';
import { publishEvent } from '../core/channels.js';
import { isThenable } from '../core/thenable.js';
import { ObservedPromise, guardedRejection } from '../core/observed-promise.js';
import type { Invoke, SiteInfo } from '../core/site.js';
import { HotpathError, RateLimitError } from '../errors.js';
import { refuse, stoppedError, type Engine, type SiteContext } from './engine.js';
import type { RateLimitFigures } from './figures.js';
import { waitingPriority } from './priority.js';
import { rateAlgorithm, type RateAlgorithm } from './rate-algorithm.js';
import { WaitQueue } from './wait-queue.js';

/** Resolved settings of one local engine (validated by `options.ts`). */
export interface LocalEngineSettings {
  /** Starts per `interval` (sliding window) or tokens refilled per `interval` (token bucket); `Infinity` = no rate. */
  readonly limit: number;
  /** Window length / refill period, ms. */
  readonly interval: number;
  /** `'sliding-window'` (default) or `'token-bucket'`. */
  readonly algorithm: 'sliding-window' | 'token-bucket';
  /** Token-bucket capacity (default `limit`). */
  readonly burst: number;
  /** Calls in flight at most; `Infinity` = unbounded (then completions are not tracked). */
  readonly maxConcurrent: number;
  /** Minimum ms between two starts; 0 = none. */
  readonly minTime: number;
  /** Queue bound; `Infinity` = unbounded. */
  readonly maxQueue: number;
}

/** A call waiting for its turn. */
interface Waiting {
  readonly call: Call;
  readonly inner: Invoke;
  readonly ctx: SiteContext;
  readonly since: number;
  /** Queued by the registry's own shutdown work (a flushed batch): served, not refused, at shutdown start. */
  readonly closing: boolean;
  promise: ObservedPromise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** How a call that could not start at once was judged. */
interface Admission {
  /** The clock reading it was judged at. */
  readonly now: number;
  /** What `#admit` said: ms until the rate allows a start (> 0), or -1 (`maxConcurrent`, calls already waiting, or the engine stopped). */
  readonly wait: number;
}

function noop(): void {}

/**
 * A rate limiter for one budget (one instance, one key, or one named limiter). A call starts
 * when its rate ({@link RateAlgorithm}) and `minTime` allow it and fewer than `maxConcurrent`
 * calls are in flight; otherwise it waits in a {@link WaitQueue} (or is refused), and one timer
 * wakes the queue when the next start is possible.
 */
export class LocalEngine implements Engine {
  readonly settings: LocalEngineSettings;
  readonly #clock: Clock;
  /** Monotonic time in ms (sub-millisecond with the system clock). */
  readonly #now: () => number;
  readonly #rate: RateAlgorithm;
  readonly #tracks: boolean;
  /** Whether start times matter (a sliding window or `minTime`): see {@link LocalEngine.#restamp}. */
  readonly #stamps: boolean;
  /**
   * Whether admission may skip the clock: without `minTime`, only the rate needs the time, and
   * it may know without it ({@link RateAlgorithm.reserve}).
   */
  readonly #unread: boolean;
  #lastStart = Number.NEGATIVE_INFINITY;
  #running = 0;
  readonly #queue = new WaitQueue<Waiting>();
  #timer: unknown = undefined;
  #timerDue = Number.POSITIVE_INFINITY;
  #stopped: HotpathError | undefined;
  #idleWaiters: (() => void)[] | undefined;
  #doneFor: SiteContext | undefined;
  #done: () => void = noop;
  /**
   * Told when calls start waiting (`true`: the queue was empty) and when the last one left
   * (`false`), so the registry knows which engines to stop on shutdown without holding idle ones.
   */
  onQueueChange: ((engine: LocalEngine, waiting: boolean) => void) | undefined;

  constructor(settings: LocalEngineSettings, clock: Clock) {
    this.settings = settings;
    this.#clock = clock;
    this.#now = monotonicReader(clock);
    this.#rate = rateAlgorithm(settings);
    this.#tracks = settings.maxConcurrent !== Number.POSITIVE_INFINITY;
    this.#stamps = this.#rate.timesStarts || settings.minTime > 0;
    this.#unread = settings.minTime === 0;
  }

  /** Calls waiting now. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Calls in flight (0 when completions are not tracked). */
  get running(): number {
    return this.#running;
  }

  /**
   * How long after its last start a budget with nothing queued or running becomes idle: the
   * window, `minTime`, or the time a token bucket takes to refill from empty, whichever is
   * longest.
   */
  get idleAfter(): number {
    return Math.max(this.settings.minTime, this.#rate.idleAfter);
  }

  /** Whether a fresh engine would behave exactly like this one now (nothing queued, running or remembered). */
  isIdle(): boolean {
    const now = this.#now();
    if (this.#queue.size > 0 || this.#running > 0) return false;
    if (now - this.#lastStart < this.settings.minTime) return false;
    return this.#rate.isIdle(now, this.#lastStart);
  }

  /**
   * Runs `inner(call)` now if the budget allows, else queues it (or rejects it with
   * `onLimit: 'reject'`). Returns what the caller gets: the method's own result when admitted
   * at once, else a promise of it.
   */
  run(call: Call, inner: Invoke, ctx: SiteContext): unknown {
    if (this.#queue.size === 0 && this.#stopped === undefined) {
      if (this.#unread && this.#running < this.settings.maxConcurrent && this.#rate.reserve()) {
        return this.#start(call, inner, ctx, Number.NaN);
      }
      const now = this.#now();
      const wait = this.#admit(now);
      if (wait === 0) return this.#start(call, inner, ctx, now);
      return this.#limited(call, inner, ctx, { now, wait });
    }
    return this.#limited(call, inner, ctx, { now: this.#now(), wait: -1 });
  }

  /**
   * Shutdown has started: rejects the calls waiting now with `error(site)` (`E_SHUTDOWN`),
   * except those the registry's own shutdown work queued (a flushed batch calling a
   * rate-limited method), which keep their turn.
   */
  dropWaiting(error: (site: SiteInfo) => HotpathError): void {
    const dropped = this.#queue.removeWhere((e) => !e.closing);
    for (const e of dropped) this.#drop(e, error(e.ctx.site));
    if (dropped.length > 0 && this.#queue.size === 0) {
      this.#clearTimer();
      this.onQueueChange?.(this, false);
    }
  }

  /**
   * Rejects queued calls with `E_SHUTDOWN` (via `error(site)`), cancels the timer, refuses
   * further calls, and resolves once calls in flight have finished (when tracked).
   */
  stop(error: (site: SiteInfo) => HotpathError): Promise<void> {
    if (this.#stopped === undefined) {
      this.#stopped = new HotpathError('E_SHUTDOWN', 'rate limiter stopped');
      this.#clearTimer();
      for (let e = this.#queue.shift(); e !== undefined; e = this.#queue.shift()) {
        this.#drop(e, error(e.ctx.site));
      }
    }
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#idleWaiters ??= []).push(resolve));
  }

  /** Refuses a call taken off the queue. */
  #drop(e: Waiting, error: HotpathError): void {
    e.ctx.figures.queued--;
    e.ctx.figures.rejected++;
    refuse(e.promise, e.reject, e.ctx, error);
  }

  /**
   * 0 when a call may start at `now` (and records the start); otherwise the ms until the rate
   * allows one (> 0), or -1 when only `maxConcurrent` blocks (a completion will drain).
   */
  #admit(now: number): number {
    const s = this.settings;
    let wait = this.#lastStart + s.minTime - now;
    const w = this.#rate.wait(now);
    if (w > wait) wait = w;
    if (wait > 0) return wait;
    if (this.#running >= s.maxConcurrent) return -1;
    // Admitted: record the start.
    this.#lastStart = now;
    this.#rate.record(now);
    return 0;
  }

  /**
   * Starts a call admitted at `at`, or reserved by the rate without a reading (`at` NaN: its
   * one reading comes after the method's synchronous part, where {@link LocalEngine.#restamp}
   * would count it anyway).
   */
  #start(call: Call, inner: Invoke, ctx: SiteContext, at: number): unknown {
    const figures = ctx.figures;
    figures.started++;
    publishEvent('rateLimit', 'started', ctx.site);
    if (this.#tracks) {
      this.#running++;
      figures.running++;
      figures.tracksRunning = true;
    }
    let result: unknown;
    try {
      result = inner(call);
    } catch (error) {
      if (this.#stamps) this.#restamp(at);
      if (this.#tracks) this.#release(figures);
      throw error;
    }
    if (this.#stamps) this.#restamp(at);
    if (!this.#tracks) return result;
    if (isThenable(result)) {
      // One completion callback per site context, made when the context changes (a shared
      // engine serving several methods), not per call.
      if (this.#doneFor !== ctx) {
        this.#doneFor = ctx;
        this.#done = () => this.#release(figures);
      }
      result.then(this.#done, this.#done);
    } else {
      this.#release(figures);
    }
    return result;
  }

  /**
   * Counts the start admitted at `at` as made now, once the method's synchronous part has run.
   * Whatever the method measures (or sends) in that part happens after the admission reading,
   * by an amount that varies (a first call compiles code, a busy machine deschedules the
   * process for milliseconds): counting from the later reading keeps every window measured
   * inside the method within `limit`, and every gap at least `minTime`. One clock reading.
   */
  #restamp(at: number): void {
    const now = this.#now();
    if (Number.isNaN(at)) {
      // Reserved: this reading is the start's time ({@link RateAlgorithm.commit}).
      if (this.#lastStart < now) this.#lastStart = now;
      this.#rate.commit(now);
      return;
    }
    if (now <= at) return;
    if (this.#lastStart < now) this.#lastStart = now;
    this.#rate.restamp(at, now);
  }

  #release(figures: RateLimitFigures): void {
    this.#running--;
    figures.running--;
    if (this.#running === 0 && this.#idleWaiters !== undefined) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = undefined;
      for (const w of waiters) w();
    }
    if (this.#queue.size > 0) this.#drain();
  }

  /** The slow path: reject (`onLimit: 'reject'`, full queue, stopped) or queue the call. */
  #limited(call: Call, inner: Invoke, ctx: SiteContext, admission: Admission): Promise<unknown> {
    const refusal = this.#refusal(ctx, admission);
    if (refusal !== undefined) return guardedRejection(refusal, ctx.report);
    const { now, wait } = admission;
    const figures = ctx.figures;
    const priority = waitingPriority(ctx, call);
    if (typeof priority !== 'number') return priority;
    let entry!: Waiting;
    const promise = new ObservedPromise<unknown>((resolve, reject) => {
      entry = {
        call,
        inner,
        ctx,
        since: now,
        closing: call.runtime.closed,
        promise: undefined as unknown as ObservedPromise<unknown>,
        resolve,
        reject,
      };
    });
    entry.promise = promise;
    const wasEmpty = this.#queue.size === 0;
    this.#queue.push(entry, priority);
    figures.queued++;
    publishEvent('rateLimit', 'queued', ctx.site, () => ({ queued: this.#queue.size, priority }));
    if (wasEmpty) {
      this.onQueueChange?.(this, true);
      if (wait > 0) this.#arm(now, wait);
      else if (wait < 0) this.#drain();
    }
    return promise;
  }

  /**
   * The error refusing a call that cannot start now, counted in its figures (and published):
   * the engine is stopped, `onLimit: 'reject'`, or the queue is full. Undefined when it may wait.
   */
  #refusal(ctx: SiteContext, { now, wait }: Admission): HotpathError | undefined {
    const figures = ctx.figures;
    if (this.#stopped !== undefined) {
      figures.rejected++;
      return stoppedError(ctx.site);
    }
    if (!ctx.reject && this.#queue.size < this.settings.maxQueue) return undefined;
    const retryAfter = this.#retryAfter(now, wait);
    figures.rejected++;
    const full = !ctx.reject;
    publishEvent('rateLimit', 'rejected', ctx.site, () => ({
      reason: full ? 'queue-full' : 'limit',
      retryAfter,
    }));
    const where = ctx.limiterName ? ` (limiter '${ctx.limiterName}')` : '';
    const message = full
      ? `${ctx.site.name}: rate limit queue is full (maxQueue ${this.settings.maxQueue})${where}; retry in ${retryAfter} ms`
      : `${ctx.site.name}: rate limit reached (${ctx.describe})${where}; retry in ${retryAfter} ms`;
    const { limit, interval } = this.settings;
    return new RateLimitError(
      message,
      retryAfter,
      Number.isFinite(limit) ? { policy: { limit, interval } } : undefined,
    );
  }

  /** Best estimate of ms until a call could start: the rate wait, else (only concurrency or a queue blocks) 0. */
  #retryAfter(now: number, wait: number): number {
    if (wait > 0) return Math.ceil(wait);
    if (wait === 0) return 0;
    const w = Math.max(this.#lastStart + this.settings.minTime - now, this.#rate.wait(now));
    return w > 0 ? Math.ceil(w) : 0;
  }

  /** Starts queued calls while the budget allows; arms one timer for the next possible start. */
  #drain(): void {
    while (this.#queue.size > 0 && this.#stopped === undefined) {
      const now = this.#now();
      const wait = this.#admit(now);
      if (wait > 0) {
        this.#arm(now, wait);
        return;
      }
      if (wait < 0) return; // maxConcurrent: the next completion drains.
      const entry = this.#queue.shift()!;
      if (this.#queue.size === 0) this.onQueueChange?.(this, false);
      const figures = entry.ctx.figures;
      figures.queued--;
      figures.waits++;
      figures.waitedMs += now - entry.since;
      try {
        entry.resolve(this.#start(entry.call, entry.inner, entry.ctx, now));
      } catch (error) {
        entry.reject(error);
      }
    }
  }

  #arm(now: number, wait: number): void {
    const due = now + wait;
    if (this.#timer !== undefined) {
      if (this.#timerDue <= due) return;
      this.#clock.clearTimeout(this.#timer);
    }
    this.#timerDue = due;
    this.#timer = this.#clock.setTimeout(() => this.#onTimer(), wait);
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#timerDue = Number.POSITIVE_INFINITY;
    this.#drain();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Number.POSITIVE_INFINITY;
  }
}
