/**
 * The in-process rate-limit engine: a sliding window (or a token bucket), `maxConcurrent`,
 * `minTime` and a FIFO queue with priorities, all driven by the registry's clock.
 *
 * Time is the clock's monotonic, sub-millisecond reading (`performance.now()` for the system
 * clock; see `Clock.monotonicNow`). Whole `Date.now()` milliseconds let a 200 ms window hold
 * 38 starts against a limit of 20 and `minTime: 15` allow 14.0 ms gaps, measured with
 * `performance.now()`: a start late in one millisecond and another early in a later one are
 * up to 1 ms closer than their readings say.
 *
 * Cost when no wait is needed: one clock reading, a few comparisons and one ring-buffer write;
 * no timer, no promise: the method's own result is handed back as is. A completion handler is
 * attached only when `maxConcurrent` is set (it needs to know when a call ends). Timers exist
 * only while calls wait in the queue (one timer per engine at a time).
 */
import type { Call } from '../core/call.js';
import { monotonicReader, type Clock } from '../core/clock.js';
import { publishEvent } from '../core/channels.js';
import { isThenable } from '../core/thenable.js';
import { ObservedPromise, guardRejection, guardedRejection } from '../core/observed-promise.js';
import type { Invoke, Site } from '../core/site.js';
import { HotpathError, RateLimitError } from '../errors.js';

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

/** What a decorated method contributes to a call through a (possibly shared) engine. */
export interface SiteContext {
  readonly site: Site;
  readonly figures: RateLimitFigures;
  readonly reject: boolean;
  /** Fixed priority 0 (first) to 9 (last), or a function of the arguments. */
  readonly priority: number | ((...args: unknown[]) => unknown);
  /** Describes the limit in messages, e.g. `10 calls per 1000 ms`. */
  readonly describe: string;
  /** Where the limiter lives, for messages (`limiter 'github'`, or `''`). */
  readonly limiterName: string | undefined;
  /**
   * Hears about a refusal (`E_SHUTDOWN`, `RateLimitError`, `E_STORE`, `E_CONFIG`) that no caller
   * awaits (a fire-and-forget call): the registry's `error` event, never an unhandled rejection.
   */
  readonly report: (error: unknown) => void;
}

/**
 * Rejects a waiting caller's `promise` (an {@link ObservedPromise}) with a hotpath refusal that
 * goes to `ctx.report` if nobody awaits it. A call that started is not guarded: a failure of
 * the method reaches its caller exactly as without the decorator.
 */
export function refuse(
  promise: ObservedPromise<unknown>,
  reject: (error: unknown) => void,
  ctx: SiteContext,
  error: unknown,
): void {
  guardRejection(promise, ctx.report);
  reject(error);
}

/**
 * The figures `stats()` shows for one method under `rateLimit` (kept by reference and updated in
 * place). `running` is only known when something tracks completions (`maxConcurrent`, or the
 * Bottleneck engine); otherwise it is left out.
 */
export class RateLimitFigures {
  /** Calls started (admitted at once or after waiting). */
  started = 0;
  /** Calls in flight (only when tracked). */
  running = 0;
  /** Calls waiting in a queue now. */
  queued = 0;
  /** Calls refused: `onLimit: 'reject'`, a full queue, or shutdown. */
  rejected = 0;
  /** Calls that had to wait before starting. */
  waits = 0;
  /** Total time those calls waited, ms. */
  waitedMs = 0;
  /** Budgets held now, one per key (only with `key`). */
  keys = 0;
  /** Whether `running` is tracked. */
  tracksRunning = false;
  /** Whether `keys` is tracked (the method has `key`). */
  tracksKeys = false;

  toJSON(): Record<string, number> {
    const out: Record<string, number> = {
      started: this.started,
      queued: this.queued,
      rejected: this.rejected,
      waits: this.waits,
      waitedMs: this.waitedMs,
      meanWaitMs: this.waits === 0 ? 0 : this.waitedMs / this.waits,
    };
    if (this.tracksRunning) out.running = this.running;
    if (this.tracksKeys) out.keys = this.keys;
    return out;
  }
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

function noop(): void {}

const PRIORITIES = 10;
const DEFAULT_PRIORITY = 5;

/** FIFO per priority level; level 0 is served first. Arrays with a moving head (no `shift()` copies). */
class WaitQueue {
  // Allocated while calls wait, released when the queue empties: most budgets (one per key)
  // never queue anything, and cost nothing here.
  #levels: Waiting[][] | undefined;
  #heads: number[] | undefined;
  size = 0;

  push(entry: Waiting, priority: number): void {
    if (this.#levels === undefined) {
      this.#levels = Array.from({ length: PRIORITIES }, () => []);
      this.#heads = new Array<number>(PRIORITIES).fill(0);
    }
    this.#levels[priority]!.push(entry);
    this.size++;
  }

  /** Takes out every entry `drop` selects, keeping the others in order; returns those taken. */
  removeWhere(drop: (entry: Waiting) => boolean): Waiting[] {
    const taken: Waiting[] = [];
    const levels = this.#levels;
    const heads = this.#heads;
    if (levels === undefined || heads === undefined) return taken;
    for (let p = 0; p < PRIORITIES; p++) {
      const level = levels[p]!;
      const kept: Waiting[] = [];
      for (let i = heads[p]!; i < level.length; i++) {
        const entry = level[i]!;
        (drop(entry) ? taken : kept).push(entry);
      }
      levels[p] = kept;
      heads[p] = 0;
    }
    this.size -= taken.length;
    if (this.size === 0) this.#levels = this.#heads = undefined;
    return taken;
  }

  shift(): Waiting | undefined {
    const levels = this.#levels;
    const heads = this.#heads;
    if (levels === undefined || heads === undefined) return undefined;
    for (let p = 0; p < PRIORITIES; p++) {
      const level = levels[p]!;
      const head = heads[p]!;
      if (head < level.length) {
        const entry = level[head]!;
        level[head] = undefined as unknown as Waiting;
        if (head + 1 === level.length) {
          level.length = 0;
          heads[p] = 0;
        } else if (head + 1 > 1024 && (head + 1) * 2 > level.length) {
          level.splice(0, head + 1);
          heads[p] = 0;
        } else {
          heads[p] = head + 1;
        }
        if (--this.size === 0) this.#levels = this.#heads = undefined;
        return entry;
      }
    }
    return undefined;
  }
}

/**
 * The priority (0–9) of a call: a number option, or a function of its arguments (rounded,
 * clamped; 5 when it is not a finite number). Throws what the function throws.
 */
export function priorityOf(ctx: SiteContext, call: Call): number {
  const p = ctx.priority;
  const value = typeof p === 'number' ? p : Number(p(...call.args));
  if (!Number.isFinite(value)) return DEFAULT_PRIORITY;
  return Math.min(PRIORITIES - 1, Math.max(0, Math.round(value)));
}

/**
 * The starts of the last `interval`, as a ring of (time, count) pairs. Start times are rounded
 * up to a quantum (a power of two: at most 1 ms, about `interval / 4096`), and starts in one
 * quantum share a slot, so memory is bounded by `min(limit, 4097, interval in ms + 1)` slots
 * instead of `limit` timestamps, whatever `limit` is. Rounding up counts a start as slightly
 * later than it was, which can only delay a later start, never let one through early; whole
 * milliseconds stay exact. Starts older than `interval` are dropped as time passes.
 * Equivalent to a ring of the last `limit` start times: with expired starts dropped, "fewer than
 * `limit` starts in the last `interval`" is `total < limit`, and the wait is until the oldest
 * kept start leaves the window.
 */
class StartWindow {
  readonly #quantum: number;
  #times: number[] = new Array<number>(2);
  #counts: number[] = new Array<number>(2);
  #head = 0;
  #size = 0;
  /** Starts within the window (after {@link StartWindow.expire}). */
  total = 0;

  constructor(interval: number) {
    this.#quantum = Math.min(1, 2 ** Math.ceil(Math.log2(interval / 4096)));
  }

  /** `time` rounded up to the quantum (exact: the quantum is a power of two). */
  #round(time: number): number {
    return Math.ceil(time / this.#quantum) * this.#quantum;
  }

  /** Drops starts at least `interval` old. */
  expire(now: number, interval: number): void {
    const cap = this.#times.length;
    while (this.#size > 0 && now - this.#times[this.#head]! >= interval) {
      this.total -= this.#counts[this.#head]!;
      this.#head = this.#head + 1 === cap ? 0 : this.#head + 1;
      this.#size--;
    }
  }

  /** Time of the oldest start in the window. */
  oldest(): number {
    return this.#times[this.#head]!;
  }

  /**
   * Moves the starts recorded at or after `from` to `to` (later): the start made at `from`,
   * and any a re-entrant call made since. Keeps the ring in time order.
   */
  restamp(from: number, to: number): void {
    const cap = this.#times.length;
    const time = this.#round(to);
    for (let i = this.#size - 1; i >= 0; i--) {
      const at = (this.#head + i) % cap;
      if (this.#times[at]! < from) return;
      this.#times[at] = time;
    }
  }

  record(now: number): void {
    this.total++;
    const time = this.#round(now);
    const cap = this.#times.length;
    if (this.#size > 0) {
      const last = (this.#head + this.#size - 1) % cap;
      if (this.#times[last] === time) {
        this.#counts[last]!++;
        return;
      }
    }
    if (this.#size === cap) this.#grow();
    const at = (this.#head + this.#size) % this.#times.length;
    this.#times[at] = time;
    this.#counts[at] = 1;
    this.#size++;
  }

  #grow(): void {
    const cap = this.#times.length;
    const times = new Array<number>(cap * 2);
    const counts = new Array<number>(cap * 2);
    for (let i = 0; i < this.#size; i++) {
      times[i] = this.#times[(this.#head + i) % cap]!;
      counts[i] = this.#counts[(this.#head + i) % cap]!;
    }
    this.#times = times;
    this.#counts = counts;
    this.#head = 0;
  }
}

/**
 * A rate limiter for one budget (one instance, one key, or one named limiter).
 *
 * Sliding window: a call may start iff fewer than `limit` calls started in the last `interval`
 * ms, i.e. iff the `limit`-th previous start is at least `interval` ms old (see {@link StartWindow}).
 * So any half-open window `[t, t + interval)` holds at most `limit` starts. Token bucket: a level
 * in units of `1/limit` ms-tokens: capacity `burst * interval`, a call costs `interval`, time
 * refills `limit` per ms (exact for whole-millisecond clocks; a wait is rounded up to the next
 * millisecond, so rounding never lets a call start early).
 */
export class LocalEngine {
  readonly settings: LocalEngineSettings;
  readonly #clock: Clock;
  /** Monotonic time in ms (sub-millisecond with the system clock). */
  readonly #now: () => number;
  readonly #sliding: boolean;
  readonly #bucket: boolean;
  readonly #tracks: boolean;
  /** Whether start times matter (a sliding window or `minTime`): see {@link LocalEngine.#restamp}. */
  readonly #stamps: boolean;
  readonly #window: StartWindow;
  // Token bucket.
  #level: number;
  #refilledAt = Number.NaN;
  #lastStart = Number.NEGATIVE_INFINITY;
  #running = 0;
  readonly #queue = new WaitQueue();
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
    this.#sliding =
      settings.algorithm === 'sliding-window' && settings.limit !== Number.POSITIVE_INFINITY;
    this.#bucket = settings.algorithm === 'token-bucket';
    this.#tracks = settings.maxConcurrent !== Number.POSITIVE_INFINITY;
    this.#stamps = this.#sliding || settings.minTime > 0;
    this.#window = new StartWindow(settings.interval);
    this.#level = settings.burst * settings.interval;
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
    const s = this.settings;
    const bucket = this.#bucket ? (s.burst * s.interval) / s.limit : 0;
    return Math.max(s.minTime, this.#sliding ? s.interval : 0, bucket);
  }

  /** Whether a fresh engine would behave exactly like this one now (nothing queued, running or remembered). */
  isIdle(): boolean {
    const s = this.settings;
    const now = this.#now();
    if (this.#queue.size > 0 || this.#running > 0) return false;
    if (now - this.#lastStart < Math.max(s.minTime, this.#sliding ? s.interval : 0)) return false;
    if (this.#bucket) {
      this.#refill(now);
      return this.#level >= s.burst * s.interval;
    }
    return true;
  }

  /**
   * Runs `inner(call)` now if the budget allows, else queues it (or rejects it with
   * `onLimit: 'reject'`). Returns what the caller gets: the method's own result when admitted
   * at once, else a promise of it.
   */
  run(call: Call, inner: Invoke, ctx: SiteContext): unknown {
    if (this.#queue.size === 0 && this.#stopped === undefined) {
      const now = this.#now();
      const wait = this.#admit(now);
      if (wait === 0) return this.#start(call, inner, ctx, now);
      return this.#limited(call, inner, ctx, now, wait);
    }
    return this.#limited(call, inner, ctx, this.#now(), -1);
  }

  /**
   * Shutdown has started: rejects the calls waiting now with `error(site)` (`E_SHUTDOWN`),
   * except those the registry's own shutdown work queued (a flushed batch calling a
   * rate-limited method), which keep their turn.
   */
  dropWaiting(error: (site: Site) => HotpathError): void {
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
  stop(error: (site: Site) => HotpathError): Promise<void> {
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
    if (this.#sliding) {
      const window = this.#window;
      window.expire(now, s.interval);
      if (window.total >= s.limit) {
        const w = window.oldest() + s.interval - now;
        if (w > wait) wait = w;
      }
    }
    if (this.#bucket) {
      this.#refill(now);
      if (this.#level < s.interval) {
        const w = Math.ceil((s.interval - this.#level) / s.limit);
        if (w > wait) wait = w;
      }
    }
    if (wait > 0) return wait;
    if (this.#running >= s.maxConcurrent) return -1;
    // Admitted: record the start.
    this.#lastStart = now;
    if (this.#sliding) this.#window.record(now);
    if (this.#bucket) this.#level -= s.interval;
    return 0;
  }

  #refill(now: number): void {
    const s = this.settings;
    const cap = s.burst * s.interval;
    if (Number.isNaN(this.#refilledAt)) this.#refilledAt = now;
    const elapsed = now - this.#refilledAt;
    if (elapsed <= 0) return;
    this.#refilledAt = now;
    const level = this.#level + elapsed * s.limit;
    this.#level = level > cap ? cap : level;
  }

  /** Starts a call admitted at `at`. */
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
    if (now <= at) return;
    if (this.#lastStart < now) this.#lastStart = now;
    if (this.#sliding) this.#window.restamp(at, now);
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
  #limited(
    call: Call,
    inner: Invoke,
    ctx: SiteContext,
    now: number,
    wait: number,
  ): Promise<unknown> {
    const figures = ctx.figures;
    if (this.#stopped !== undefined) {
      figures.rejected++;
      return guardedRejection(
        new HotpathError(
          'E_SHUTDOWN',
          `${ctx.site.name}: the rate limiter has been stopped (registry shut down)`,
        ),
        ctx.report,
      );
    }
    if (ctx.reject || this.#queue.size >= this.settings.maxQueue) {
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
      return guardedRejection(new RateLimitError(message, retryAfter), ctx.report);
    }
    let priority: number;
    try {
      priority = priorityOf(ctx, call);
    } catch (error) {
      figures.rejected++;
      return guardedRejection(error, ctx.report);
    }
    let entry!: Waiting;
    const promise = new ObservedPromise<unknown>((resolve, reject) => {
      entry = {
        call,
        inner,
        ctx,
        since: now,
        closing: call.registry.closed,
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

  /** Best estimate of ms until a call could start: the rate wait, else (only concurrency or a queue blocks) 0. */
  #retryAfter(now: number, wait: number): number {
    if (wait > 0) return Math.ceil(wait);
    if (wait === 0) return 0;
    const s = this.settings;
    let w = this.#lastStart + s.minTime - now;
    if (this.#sliding) {
      this.#window.expire(now, s.interval);
      if (this.#window.total >= s.limit) w = Math.max(w, this.#window.oldest() + s.interval - now);
    }
    if (this.#bucket) {
      this.#refill(now);
      if (this.#level < s.interval) w = Math.max(w, (s.interval - this.#level) / s.limit);
    }
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
