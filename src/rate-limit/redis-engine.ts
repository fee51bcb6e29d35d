/**
 * The native Redis engine (`engine: 'redis'`): one limit shared by every process that uses the
 * same Redis (a single node, Sentinel-managed or a Redis Cluster) and the same `redis.key`.
 *
 * Each decision is one Lua script (redis-script.ts) on keys of one hash tag, so one slot of a
 * cluster, timed by the Redis node's clock. What it keeps exact:
 *
 * - Sliding window: a start counts for `interval` plus {@link START_SLACK_MS}, and a process
 *   starts a granted call only if at most {@link START_SLACK_MS} passed between sending the
 *   decision and starting the call (else the grant is given back and asked again). So however
 *   late a reply arrives, any window of `interval` of the actual start times holds at most
 *   `limit` starts, across all processes. `minTime` likewise.
 * - `maxConcurrent`: a lease per call in flight, renewed while the call runs and expiring after
 *   `redis.leaseTtl` if its process dies.
 * - Queueing: within a process a queue by priority (FIFO within a level); across processes,
 *   each process's first waiting call holds a place by (priority, arrival), and a later place
 *   waits for an earlier one. A process that stops asking loses its place after 2 s.
 *
 * Cost: one script round trip per start (plus one per completion with `maxConcurrent`);
 * waiting processes ask again when the rate says a start is possible, or poll (2 to 50 ms)
 * while only `maxConcurrent` or an earlier process blocks.
 */
import type { Call } from '../core/call.js';
import { publishEvent } from '../core/channels.js';
import { ObservedPromise, guardedRejection } from '../core/observed-promise.js';
import type { Invoke, SiteInfo } from '../core/site.js';
import { isThenable } from '../core/thenable.js';
import { HotpathError, RateLimitError } from '../errors.js';
import { refuse, startWaited, stoppedError, type Engine, type SiteContext } from './engine.js';
import type { RateLimitFigures } from './figures.js';
import { LeaseRenewal } from './lease-renewal.js';
import type { LocalEngine, LocalEngineSettings } from './local-engine.js';
import { PollWait } from './poll-wait.js';
import { waitingPriority } from './priority.js';
import { RedisDecider, type Decision, type RedisScriptClient } from './redis-decider.js';
import { redisTag } from './redis-keys.js';
import { UnreachableRedis, type HeldCall } from './unreachable-redis.js';
import { WaitQueue } from './wait-queue.js';
import { randomBytes } from 'node:crypto';

/**
 * How late after asking Redis a granted start may still be made, ms; a start counts this much
 * longer than `interval` in the window (so a limit of 10 per second admits 10 per 1.05 s when
 * saturated).
 */
const START_SLACK_MS = 50;

/** How long a waiting process keeps its place without asking again, ms. */
const WAITER_TTL_MS = 2_000;

/** Settings of one Redis engine, validated by options.ts and redis-limiter-options.ts. */
export interface RedisEngineSettings {
  readonly client: RedisScriptClient;
  /** The limit's name in Redis: every process using it shares one budget. */
  readonly key: string;
  /** With `key`: this engine's budget of the limit, from `budgetName()` (its own hash tag). */
  readonly budget?: string;
  /** What a call does when Redis does not answer within `redisTimeout`. */
  readonly whenUnreachable: 'fail-closed' | 'fail-open';
  /** How long a lease of a call in flight lives without renewal, ms. */
  readonly leaseTtl: number;
  /** How long one decision may take, ms. */
  readonly redisTimeout: number;
  /**
   * Whether the limit counts its decisions at Redis's time rather than the calls' starts: no
   * start slack, no late grant (see `COUNT_DECISIONS` in redis-limiter-options.ts).
   */
  readonly countDecisions: boolean;
  /** For messages (`limiter 'github'`), if named. */
  readonly name: string | undefined;
}

interface Waiting extends HeldCall {
  readonly since: number;
  readonly priority: number;
  readonly closing: boolean;
}

/** A limit shared through Redis; see the file comment. */
export class RedisEngine implements Engine {
  readonly #limit: LocalEngineSettings;
  readonly #redis: RedisEngineSettings;
  /** {@link START_SLACK_MS}, or 0 when the limit counts decisions. */
  readonly #slack: number;
  readonly #id = `${process.pid}:${randomBytes(6).toString('hex')}`;
  #counter = 0;
  readonly #queue = new WaitQueue<Waiting>();
  #pumping = false;
  readonly #pollWait = new PollWait();
  readonly #decider: RedisDecider;
  readonly #leases: LeaseRenewal;
  readonly #unreachable: UnreachableRedis;
  #running = 0;
  #idleWaiters: (() => void)[] = [];
  #stopped = false;
  /** `onLimit: 'reject'` decisions not yet answered. */
  #deciding = 0;

  /** `fallback` makes the local engine that runs calls while Redis is unreachable (`fail-open`). */
  constructor(limit: LocalEngineSettings, redis: RedisEngineSettings, fallback: () => LocalEngine) {
    this.#limit = limit;
    this.#redis = redis;
    this.#slack = redis.countDecisions ? 0 : START_SLACK_MS;
    // One hash tag: every key of the budget lives in one cluster slot.
    const tag = redisTag(redis.key, redis.budget);
    const keys = [
      `${tag}:starts`,
      `${tag}:leases`,
      `${tag}:waiters`,
      `${tag}:alive`,
      `${tag}:bucket`,
    ];
    this.#decider = new RedisDecider(redis.client, keys, redis.redisTimeout, () => this.#stopped);
    this.#leases = new LeaseRenewal(redis.leaseTtl, (args) => this.#decider.run(args));
    this.#unreachable = new UnreachableRedis(redis.whenUnreachable, fallback, this.#where());
  }

  /** Calls of this process waiting for their turn. */
  get queued(): number {
    return this.#queue.size;
  }

  /**
   * How long after its last use a per-key engine must be kept, ms: none, since the budget's
   * state is in Redis (its keys expire there after their window); a key used again gets a
   * fresh engine on the same keys.
   */
  get idleAfter(): number {
    return 0;
  }

  /** Whether this process has nothing waiting, deciding or running under this engine. */
  isIdle(): boolean {
    return (
      this.#queue.size === 0 &&
      this.#running === 0 &&
      this.#deciding === 0 &&
      !this.#pumping &&
      this.#unreachable.isIdle()
    );
  }

  run(call: Call, inner: Invoke, ctx: SiteContext): Promise<unknown> {
    const figures = ctx.figures;
    if (this.#limit.maxConcurrent !== Number.POSITIVE_INFINITY) figures.tracksRunning = true;
    if (this.#stopped) {
      figures.rejected++;
      return guardedRejection(stoppedError(ctx.site), ctx.report);
    }
    const priority = waitingPriority(ctx, call);
    if (typeof priority !== 'number') return priority;
    if (!ctx.reject && this.#queue.size >= this.#limit.maxQueue) {
      figures.rejected++;
      publishEvent('rateLimit', 'rejected', ctx.site, { reason: 'queue-full', retryAfter: 0 });
      return guardedRejection(
        new RateLimitError(
          `${ctx.site.name}: rate limit queue is full (maxQueue ${this.#limit.maxQueue})${this.#where()}; retry in 0 ms`,
          0,
        ),
        ctx.report,
      );
    }
    let entry!: Waiting;
    const promise = new ObservedPromise<unknown>((resolve, reject) => {
      entry = {
        call,
        inner,
        ctx,
        since: Date.now(),
        priority,
        closing: call.registry.closed,
        promise: undefined as unknown as ObservedPromise<unknown>,
        resolve,
        reject,
      };
    });
    (entry as { promise: ObservedPromise<unknown> }).promise = promise;
    if (ctx.reject) {
      this.#deciding++;
      void this.#tryOnce(entry).finally(() => this.#deciding--);
      return promise;
    }
    this.#queue.push(entry, priority);
    figures.queued++;
    publishEvent('rateLimit', 'queued', ctx.site, () => ({ queued: this.#queue.size, priority }));
    this.#pollWait.wake();
    void this.#pump();
    return promise;
  }

  /** `onLimit: 'reject'`: one decision (asked again only when its grant came too late). */
  async #tryOnce(entry: Waiting): Promise<void> {
    const figures = entry.ctx.figures;
    for (;;) {
      const decision = await this.#acquire(entry, false);
      if ('failed' in decision) {
        this.#unreachable.handle(entry, decision.failed);
        return;
      }
      if (decision.ok) {
        if (decision.late) {
          this.#giveBack(decision.startId);
          continue;
        }
        this.#start(entry, decision.startId, false);
        return;
      }
      const retryAfter = decision.wait > 0 ? Math.ceil(decision.wait) : 0;
      figures.rejected++;
      publishEvent('rateLimit', 'rejected', entry.ctx.site, () => ({
        reason: 'limit',
        retryAfter,
      }));
      refuse(
        entry.promise,
        entry.reject,
        entry.ctx,
        new RateLimitError(
          `${entry.ctx.site.name}: rate limit reached (${entry.ctx.describe})${this.#where()}; retry in ${retryAfter} ms`,
          retryAfter,
          Number.isFinite(this.#limit.limit)
            ? { policy: { limit: this.#limit.limit, interval: this.#limit.interval } }
            : undefined,
        ),
      );
      return;
    }
  }

  /** Asks Redis for the queue's first call, starts it when granted, waits when not; one at a time. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.size > 0 && !this.#stopped) {
        const head = this.#queue.peek()!;
        const decision = await this.#acquire(head, true);
        if ('failed' in decision) {
          for (let e = this.#queue.shift(); e !== undefined; e = this.#queue.shift()) {
            e.ctx.figures.queued--;
            this.#unreachable.handle(e, decision.failed);
          }
          continue;
        }
        if (decision.ok) {
          this.#pollWait.resetPoll();
          // The first call now (one of higher priority may have arrived meanwhile) takes it.
          const entry = decision.late || this.#stopped ? undefined : this.#queue.shift();
          if (entry === undefined) {
            this.#giveBack(decision.startId);
            continue;
          }
          this.#start(entry, decision.startId, true);
          continue;
        }
        await this.#pollWait.wait(decision.wait);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** One decision for `entry` (joining the cross-process queue when `queue`). */
  #acquire(entry: Waiting, queue: boolean): Promise<Decision> {
    const s = this.#limit;
    const rate = s.limit !== Number.POSITIVE_INFINITY;
    const tb = s.algorithm === 'token-bucket';
    const startId = `${this.#id}:${++this.#counter}`;
    const args = [
      'acquire',
      this.#id,
      startId,
      entry.priority,
      queue ? 1 : 0,
      entry.since,
      rate ? s.limit : 0,
      s.interval + (tb ? 0 : this.#slack),
      s.minTime > 0 ? s.minTime + this.#slack : 0,
      s.maxConcurrent === Number.POSITIVE_INFINITY ? 0 : s.maxConcurrent,
      this.#redis.leaseTtl,
      tb ? 'tb' : 'sw',
      s.burst * s.interval,
      s.interval,
      WAITER_TTL_MS,
    ];
    // Asked again until `redisTimeout`: only then does the call fail (closed) or run locally (open).
    return this.#decider.decide(startId, args, this.#slack);
  }

  /** A grant that is not used (made too late, or nobody waits any more): forget it. */
  #giveBack(startId: string): void {
    this.#decider.run(['release', startId, 1, this.#limit.interval]).catch(() => {
      // Unreachable Redis: the start stays counted (a lost start only delays others) and the
      // lease expires by itself.
    });
  }

  /** Starts `entry` under the grant `startId`. */
  #start(entry: Waiting, startId: string, waited: boolean): void {
    const figures = entry.ctx.figures;
    if (waited) {
      figures.queued--;
      figures.waits++;
      figures.waitedMs += Date.now() - entry.since;
    }
    figures.started++;
    publishEvent('rateLimit', 'started', entry.ctx.site);
    const tracks = this.#limit.maxConcurrent !== Number.POSITIVE_INFINITY;
    if (tracks) {
      this.#running++;
      figures.running++;
      this.#leases.add(startId);
    }
    const result = startWaited(entry.call, entry.inner);
    entry.resolve(result);
    if (!tracks) return;
    const done = (): void => this.#release(figures, startId);
    if (isThenable(result)) result.then(done, done);
    else done();
  }

  #release(figures: RateLimitFigures, startId: string): void {
    this.#running--;
    figures.running--;
    this.#leases.delete(startId);
    this.#decider.run(['release', startId, 0, 0]).catch(() => {
      // Redis unreachable: the lease expires after leaseTtl.
    });
    this.#pollWait.resetPoll();
    this.#pollWait.wake();
    if (this.#running === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  #where(): string {
    return this.#redis.name ? ` (limiter '${this.#redis.name}')` : '';
  }

  dropWaiting(error: (site: SiteInfo) => HotpathError): void {
    for (const e of this.#queue.removeWhere((w) => !w.closing)) this.#drop(e, error(e.ctx.site));
  }

  #drop(e: Waiting, error: HotpathError): void {
    e.ctx.figures.queued--;
    e.ctx.figures.rejected++;
    refuse(e.promise, e.reject, e.ctx, error);
  }

  /** Refuses waiting calls, stops asking Redis, resolves once calls in flight have finished. */
  async stop(error: (site: SiteInfo) => HotpathError): Promise<void> {
    this.#stopped = true;
    for (let e = this.#queue.shift(); e !== undefined; e = this.#queue.shift()) {
      this.#drop(e, error(e.ctx.site));
    }
    this.#pollWait.wake();
    if (this.#running > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }
}
