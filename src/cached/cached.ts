/**
 * `@cached`: memoization in tiers: an in-process LRU (L1) per instance (or per
 * registry for shared scope), then the registry's named shared stores (L2: any keyv), then the
 * method. Single flight per key, never caches failures, optional freshness machinery (`ttl`,
 * `staleWhileRevalidate`, `staleIfError`, `jitter`), invalidation by key, namespace and tag
 * (O(1): marks in the shared tiers, see invalidation-book.ts), and shared tiers that fail open.
 *
 * Events on the `hotpath:event` diagnostics channel (`decorator: 'cached'`):
 * - `hit` `{ tier: 'memory' | <store name>, key }`: served from a tier;
 * - `miss` `{ key }`: the method runs;
 * - `coalesced` `{ key }`: a call joined a computation in flight;
 * - `stale` `{ key, reason: 'revalidate' | 'error' }`: a stale value was served;
 * - `refresh` `{ key }`: a background refresh started; `refresh-error` `{ key, error }` it failed;
 * - `store-error` `{ store, error, key? }`: a shared-tier operation failed or timed out, the
 *   store's breaker opened, or a value could not be decoded or encoded;
 * - `lock-wait` `{ key }`: another process holds the distributed lock, this one polls;
 * - `lock-wait-abandoned` `{ key }`: a poll could not read the shared tier (failure, timeout,
 *   open breaker), so this process stopped waiting and computes.
 *
 * Hit path (memory tier, no `ttl`/`tags`): the key, one per-owner state lookup, one LRU `get`,
 * one counter increment, and the value or the settled promise stored with the entry.
 */
import type { Call } from '../core/call.js';
import { eventChannel, publishEvent } from '../core/channels.js';
import { createDecorator, type AnyFunction, type HotpathDecorator } from '../core/intercept.js';
import { argumentKey, entryKey } from '../core/key.js';
import type { ControlContext, Invoke, Layer, SiteInfo } from '../core/site.js';
import { PerOwner } from '../core/state.js';
import { HotpathError } from '../errors.js';
import { registryOf } from '../registry/binding.js';
import type { Hotpath } from '../registry/hotpath.js';
import type { Entry } from './memory-tier.js';
import { isThenable } from '../core/thenable.js';
import { MethodCache, type OwnerMemo } from './method-cache.js';
import { resolveCachedOptions, type CachedOptions, type ResolvedCachedOptions } from './options.js';
import { bounded, FAILED } from './shared-tier.js';
import { nextSequence } from './invalidation-book.js';
import { errorMessage } from '../core/error-message.js';

/** A method returning a promise (what `@cached` with `store` accepts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AsyncMethod = (this: any, ...args: any[]) => PromiseLike<unknown>;

/**
 * Caches a method's results. See {@link CachedOptions} for every option and the README's
 * `@cached` section for the full behaviour; in short:
 *
 * - per instance by default (two instances never share a memo); `scope: 'shared'` or `store`
 *   share one memo per registry (and, with `store`, one entry for every process);
 * - single flight (concurrent misses run the method once), rejections and throws are never
 *   cached, `undefined` is, `unless(result)` opts a result out;
 * - a memory hit returns the value (sync methods) or an already-settled promise (async);
 * - `control(obj, 'm').invalidate(...args)`, `.clear()`, `registry.invalidate({ tags | namespace | key })`;
 * - shared tiers are bounded by `storeTimeout`, fail open (miss / skipped write, reported on
 *   the registry's `error` event) and sit behind a circuit breaker ({@link withBreaker}).
 *
 * With `store`, the decorated method always returns a promise (only async methods are accepted
 * by the types).
 *
 * @example
 * class UserService {
 *   @cached({ ttl: '5m', store: 'redis', tags: (user) => [`user:${user.id}`] })
 *   async getUser(id: string): Promise<User> { ... }
 * }
 */
export function cached(
  options: CachedOptions & { store: string | readonly string[] },
): HotpathDecorator<AsyncMethod>;
export function cached(options?: CachedOptions): HotpathDecorator<AnyFunction>;
export function cached(options?: CachedOptions): HotpathDecorator<AnyFunction> {
  return createDecorator<AnyFunction>({
    name: 'cached',
    layer(decoration): Layer {
      const opts = resolveCachedOptions(decoration, options);
      const layer = new CachedLayer(opts);
      const control = {
        invalidate: (ctx: ControlContext, args: unknown[]) => layer.invalidateArgs(ctx, args),
        clear: (ctx: ControlContext) => layer.clear(ctx),
        stats: (ctx: ControlContext) => layer.stats(ctx),
      };
      const wrap = (inner: Invoke, site: SiteInfo): Invoke => layer.wrap(inner, site);
      return opts.stores.length > 0
        ? { decorator: 'cached', wrap, control, async: true }
        : { decorator: 'cached', wrap, control };
    },
  });
}

/** The state and behaviour of one `@cached` application (one decorated method). */
class CachedLayer {
  readonly opts: ResolvedCachedOptions;
  readonly #caches = new WeakMap<Hotpath, MethodCache>();
  /** Instance scope: the memo of each owner. */
  readonly #owners: PerOwner<OwnerMemo>;
  #site: SiteInfo | undefined;

  constructor(opts: ResolvedCachedOptions) {
    this.opts = opts;
    this.#owners = new PerOwner((owner) =>
      this.cacheFor(registryOf(owner), this.#site!).ownerMemo(),
    );
  }

  /** The method's state in `registry`, created (and validated against the registry) on first use. */
  cacheFor(registry: Hotpath, site: SiteInfo): MethodCache {
    let cache = this.#caches.get(registry);
    if (!cache) this.#caches.set(registry, (cache = new MethodCache(registry, site, this.opts)));
    return cache;
  }

  /** The full key of a call: the `key` option's result, else the stable argument key. */
  keyOf(instance: unknown, args: unknown[], site: SiteInfo): string {
    const userKey = this.opts.key;
    return userKey === undefined
      ? argumentKey(args, site.name)
      : entryKey(userKey.apply(instance, args), `@cached on ${site.name}`);
  }

  wrap(inner: Invoke, site: SiteInfo): Invoke {
    this.#site = site;
    const opts = this.opts;
    const where = site.name;
    const keyWhere = `@cached on ${where}`;
    const userKey = opts.key;
    const shared = opts.scope === 'shared';
    const rejects = opts.stores.length > 0 || site.returnsPromise;
    const owners = this.#owners;
    let lastRegistry: Hotpath | undefined;
    let lastMemo: OwnerMemo | undefined;
    const memoOf = shared
      ? (call: Call): OwnerMemo => {
          const registry = call.registry;
          if (registry !== lastRegistry) {
            lastMemo = this.cacheFor(registry, site).sharedMemo!;
            lastRegistry = registry;
          }
          return lastMemo!;
        }
      : (call: Call): OwnerMemo => owners.get(call.owner);
    const failed = (error: unknown): unknown => {
      if (rejects) return Promise.reject(error);
      throw error;
    };
    const slow = (
      memo: OwnerMemo,
      l1: string,
      raw: boolean,
      call: Call,
      entry: Entry | undefined,
    ): unknown => this.#slow(memo, l1, raw, call, entry, inner);
    // Only options that need them add work to the hit path (a clock read for `ttl`, a lookup per
    // tag for `tags`).
    const timed = opts.ttlMs !== undefined || opts.tags !== undefined;

    return (call) => {
      // The L1 key: a lone string argument is its own key (no string building on the hit path);
      // anything else uses the full key. `raw` tells the two apart (see Entry.raw).
      const args = call.args;
      let l1: string;
      let raw = false;
      let memo: OwnerMemo;
      try {
        if (userKey !== undefined) l1 = entryKey(userKey.apply(call.instance, args), keyWhere);
        else if (args.length === 1 && typeof args[0] === 'string') {
          l1 = args[0];
          raw = true;
        } else {
          l1 = argumentKey(args, where);
          // `f('a', undefined)` keys like `f('a')` (`'a`): use the same L1 slot, the raw one.
          if (l1.charCodeAt(0) === 39 /* ' */) {
            l1 = l1.slice(1);
            raw = true;
          }
        }
        memo = memoOf(call);
      } catch (error) {
        return failed(error);
      }
      const entry = memo.lru.get(l1);
      if (entry !== undefined && entry.raw === raw) {
        if (
          !timed ||
          ((entry.expires === Number.POSITIVE_INFINITY || memo.clock.now() < entry.expires) &&
            (entry.tags === undefined || !memo.cache.book.invalidatedSince(entry.tags, entry.seq)))
        ) {
          memo.figures.memoryHits++;
          if (eventChannel.hasSubscribers)
            publishEvent('cached', 'hit', site, { tier: 'memory', key: raw ? `'${l1}` : l1 });
          return entry.result;
        }
        return slow(memo, l1, raw, call, entry);
      }
      return slow(memo, l1, raw, call, undefined);
    };
  }

  /** Everything but a fresh memory hit: stale serving, coalescing, the shared tiers, the method. */
  #slow(
    memo: OwnerMemo,
    l1: string,
    raw: boolean,
    call: Call,
    entry: Entry | undefined,
    inner: Invoke,
  ): unknown {
    const cache = memo.cache;
    const site = cache.site;
    const key = raw ? `'${l1}` : l1;
    let stale: Entry | undefined;
    if (entry !== undefined) {
      if (entry.tags !== undefined && cache.book.invalidatedSince(entry.tags, entry.seq)) {
        memo.lru.delete(l1);
      } else {
        const now = memo.clock.now();
        if (now < entry.staleUntil) stale = entry;
        if (now < entry.expires + this.opts.swrMs) {
          memo.figures.staleServed++;
          if (eventChannel.hasSubscribers)
            publishEvent('cached', 'stale', site, { key, reason: 'revalidate' });
          this.#refresh(memo, key, l1, call, inner);
          return entry.result;
        }
      }
    }
    const flight = memo.inflight.get(key);
    if (flight !== undefined) {
      memo.figures.coalesced++;
      if (eventChannel.hasSubscribers) publishEvent('cached', 'coalesced', site, { key });
      return flight;
    }
    if (cache.tiers.length > 0) return this.#missShared(memo, key, l1, call, stale, inner);
    return this.#missLocal(memo, key, l1, call, stale, inner);
  }

  /** A miss without shared tiers: run the method; cache its value (sync) or its fulfilment (async). */
  #missLocal(
    memo: OwnerMemo,
    key: string,
    l1: string,
    call: Call,
    stale: Entry | undefined,
    inner: Invoke,
  ): unknown {
    const cache = memo.cache;
    const raw = l1 !== key;
    memo.figures.misses++;
    if (eventChannel.hasSubscribers) publishEvent('cached', 'miss', cache.site, { key });
    const seq = nextSequence();
    const created = memo.clock.now();
    let result: unknown;
    try {
      result = inner(call);
    } catch (error) {
      if (cache.staleForError(stale, key)) return stale!.result;
      throw error;
    }
    if (!isThenable(result)) {
      const entry = cache.entryFor(result, false, seq, created, call.args, raw);
      if (entry) memo.lru.set(l1, entry);
      return result;
    }
    const flight: Promise<unknown> = Promise.resolve(result).then(
      (value) => {
        if (memo.inflight.get(key) === flight) {
          memo.inflight.delete(key);
          const entry = cache.entryFor(value, true, seq, created, call.args, raw);
          if (entry) memo.lru.set(l1, entry);
        }
        return value;
      },
      (error: unknown) => {
        if (memo.inflight.get(key) === flight) memo.inflight.delete(key);
        if (cache.staleForError(stale, key)) return stale!.value;
        throw error;
      },
    );
    memo.inflight.set(key, flight);
    return flight;
  }

  /** A miss with shared tiers: read them, else run the method (under the distributed lock if set). */
  #missShared(
    memo: OwnerMemo,
    key: string,
    l1: string,
    call: Call,
    stale: Entry | undefined,
    inner: Invoke,
  ): Promise<unknown> {
    const ticket: { flight?: Promise<unknown> } = {};
    const current = (): boolean => memo.inflight.get(key) === ticket.flight;
    const flight = this.#loadShared(memo, key, l1, call, stale, inner, current);
    ticket.flight = flight;
    memo.inflight.set(key, flight);
    const done = (): void => {
      if (current()) memo.inflight.delete(key);
    };
    flight.then(done, done);
    return flight;
  }

  async #loadShared(
    memo: OwnerMemo,
    key: string,
    l1: string,
    call: Call,
    stale: Entry | undefined,
    inner: Invoke,
    current: () => boolean,
  ): Promise<unknown> {
    const cache = memo.cache;
    const site = cache.site;
    const found = await cache.read(key, l1 !== key);
    // An unreadable tier is a miss; it also makes the distributed lock pointless (the value of
    // another holder could not be read back either), so a failed read computes at once.
    const unreadable = found === FAILED;
    if (found !== undefined && found !== FAILED) {
      if (found.fresh) {
        memo.figures.storeHits[found.tier]!++;
        if (eventChannel.hasSubscribers)
          publishEvent('cached', 'hit', site, { tier: found.tier, key });
        if (current()) memo.lru.set(l1, found.entry);
        return found.entry.value;
      }
      if (memo.clock.now() < found.entry.expires + this.opts.swrMs) {
        memo.figures.staleServed++;
        if (eventChannel.hasSubscribers)
          publishEvent('cached', 'stale', site, { key, reason: 'revalidate' });
        if (current()) memo.lru.set(l1, found.entry);
        this.#refresh(memo, key, l1, call, inner);
        return found.entry.value;
      }
      if (stale === undefined || found.entry.expires > stale.expires) stale = found.entry;
    }
    memo.figures.misses++;
    if (eventChannel.hasSubscribers) publishEvent('cached', 'miss', site, { key });
    try {
      if (this.opts.lock && !unreadable)
        return await this.#lockedCompute(memo, key, l1, call, inner, current);
      return await this.#computeShared(memo, key, l1, call, inner, current);
    } catch (error) {
      if (cache.staleForError(stale, key)) return stale!.value;
      throw error;
    }
  }

  /**
   * Runs the method and stores its value in L1 (if the flight is still current) and, in the
   * background, the shared tiers; `onWrites` receives those writes, resolving whether every
   * tier took the value (the lock holder releases after them).
   */
  async #computeShared(
    memo: OwnerMemo,
    key: string,
    l1: string,
    call: Call,
    inner: Invoke,
    current: () => boolean,
    onWrites?: (writes: Promise<boolean>) => void,
  ): Promise<unknown> {
    const cache = memo.cache;
    const seq = nextSequence();
    const created = memo.clock.now();
    const value = await inner(call);
    if (!current()) return value;
    const entry = cache.entryFor(value, true, seq, created, call.args, l1 !== key);
    if (entry) {
      memo.lru.set(l1, entry);
      const writes = cache.writeTiers(key, entry, cache.tiers.length, false);
      cache.track(writes);
      onWrites?.(writes);
    }
    return value;
  }

  /**
   * Distributed single flight: one process computes; the others poll the shared tiers for its
   * value, for up to `wait`. A poll that cannot read the shared tiers (failed, timed out,
   * skipped by the breaker) ends the wait at once: a dead store must not hold a caller longer
   * than `storeTimeout` plus the method, and the holder's value could not be read back anyway.
   * The same bound holds for the holder: its write and release do not delay its caller.
   */
  async #lockedCompute(
    memo: OwnerMemo,
    key: string,
    l1: string,
    call: Call,
    inner: Invoke,
    current: () => boolean,
  ): Promise<unknown> {
    const cache = memo.cache;
    const lockOpts = this.opts.lock!;
    const lock = cache.registry.lock!;
    const lockKey = cache.lockKey(key);
    const clock = memo.clock;
    let release: (() => Promise<void>) | null | undefined;
    try {
      release = await bounded(
        () => lock.acquire(lockKey, lockOpts.ttlMs),
        this.opts.storeTimeoutMs,
        clock,
      );
    } catch (error) {
      // Fail open: without the lock, compute here.
      lockFailed(cache, 'acquire', error);
      release = undefined;
    }
    if (release === null) {
      memo.figures.lockWaits++;
      if (eventChannel.hasSubscribers) publishEvent('cached', 'lock-wait', cache.site, { key });
      const deadline = clock.now() + lockOpts.waitMs;
      while (clock.now() < deadline) {
        const pause = Math.min(lockOpts.pollMs, deadline - clock.now());
        await new Promise<void>((resolve) => clock.setTimeout(resolve, pause));
        const found = await cache.read(key, l1 !== key);
        if (found === FAILED) {
          memo.figures.lockWaitsAbandoned++;
          if (eventChannel.hasSubscribers)
            publishEvent('cached', 'lock-wait-abandoned', cache.site, { key });
          return this.#computeShared(memo, key, l1, call, inner, current);
        }
        if (found?.fresh) {
          memo.figures.storeHits[found.tier]!++;
          if (eventChannel.hasSubscribers)
            publishEvent('cached', 'hit', cache.site, { tier: found.tier, key });
          if (current()) memo.lru.set(l1, found.entry);
          return found.entry.value;
        }
      }
      memo.figures.lockWaitTimeouts++;
      return this.#computeShared(memo, key, l1, call, inner, current);
    }
    if (release === undefined) return this.#computeShared(memo, key, l1, call, inner, current);
    // The holder's caller gets its value as soon as the method returns. Writing the value for
    // the waiting processes, then giving the lock back, goes on in the background (in that
    // order: released first, the lock would let another process compute again before the value
    // is readable), each step bounded by storeTimeout and tracked for shutdown. A Redis that
    // freezes while this process holds the lock thus costs the caller nothing past the
    // acquire, which storeTimeout bounds (awaiting the write and the release cost it
    // 2 × storeTimeout more).
    let writes: Promise<boolean> | undefined;
    try {
      return await this.#computeShared(memo, key, l1, call, inner, current, (w) => (writes = w));
    } finally {
      const r = release;
      const giveBack = (): Promise<unknown> =>
        bounded(() => r(), this.opts.storeTimeoutMs, clock, false).catch((error: unknown) =>
          lockFailed(cache, 'release', error),
        );
      // Nothing to write (the method failed, or the value is not cached): release at once.
      cache.track(
        writes === undefined
          ? giveBack()
          : writes
              .then((taken) =>
                taken ? undefined : this.#againForWaiters(memo, key, l1, call, inner),
              )
              .then(giveBack),
      );
    }
  }

  /**
   * The lock holder's value was taken by no tier: one of its marks was missing when it was
   * written (the first use of a tag, or bookkeeping the store lost) and is now newer than the
   * computation. Computes it once more, still under the lock, for the processes polling for
   * it, rather than leave them waiting until `wait` runs out. Runs as the key's refresh (an
   * invalidation of the key meanwhile drops its result). Never rejects.
   */
  async #againForWaiters(
    memo: OwnerMemo,
    key: string,
    l1: string,
    call: Call,
    inner: Invoke,
  ): Promise<void> {
    const token = {};
    memo.refreshing.set(key, token);
    const current = (): boolean => memo.refreshing.get(key) === token;
    let writes: Promise<boolean> | undefined;
    try {
      await this.#computeShared(memo, key, l1, call, inner, current, (w) => (writes = w));
      await writes;
    } catch (error) {
      memo.cache.registry.emitError(error, { decorator: 'cached', method: memo.cache.site.name });
    } finally {
      if (current()) memo.refreshing.delete(key);
    }
  }

  /**
   * One background refresh per key (`staleWhileRevalidate`): the caller already has the stale
   * value; success replaces it, failure keeps it and goes to the registry's `error` event.
   */
  #refresh(memo: OwnerMemo, key: string, l1: string, call: Call, inner: Invoke): void {
    if (memo.refreshing.has(key)) return;
    const cache = memo.cache;
    const token = {};
    memo.refreshing.set(key, token);
    memo.figures.refreshes++;
    if (eventChannel.hasSubscribers) publishEvent('cached', 'refresh', cache.site, { key });
    const current = (): boolean => memo.refreshing.get(key) === token;
    const finish = (): void => {
      if (current()) memo.refreshing.delete(key);
    };
    const work: Promise<unknown> =
      cache.tiers.length > 0
        ? this.#computeShared(memo, key, l1, call, inner, current)
        : // A microtask, so that a synchronous method's refresh runs after the caller got the stale value.
          Promise.resolve().then(async () => {
            const seq = nextSequence();
            const created = memo.clock.now();
            const result = inner(call);
            const async = isThenable(result);
            const value = async ? await result : result;
            if (current()) {
              const entry = cache.entryFor(value, async, seq, created, call.args, l1 !== key);
              if (entry) memo.lru.set(l1, entry);
            }
          });
    cache.track(
      work.then(finish, (error: unknown) => {
        finish();
        memo.figures.refreshErrors++;
        if (eventChannel.hasSubscribers)
          publishEvent('cached', 'refresh-error', cache.site, { key, error });
        cache.registry.emitError(error, { decorator: 'cached', method: cache.site.name });
      }),
    );
  }

  // ---- control() ---------------------------------------------------------------------

  async invalidateArgs(ctx: ControlContext, args: unknown[]): Promise<void> {
    const key = this.keyOf(ctx.site.kind === 'function' ? undefined : ctx.owner, args, ctx.site);
    if (this.opts.scope === 'instance') {
      this.#owners.peek(ctx.owner)?.delete(key);
      return;
    }
    const cache = this.cacheFor(ctx.registry, ctx.site);
    await ctx.registry.invalidate({ namespace: cache.namespace, key });
  }

  async clear(ctx: ControlContext): Promise<void> {
    if (this.opts.scope === 'instance') {
      this.#owners.peek(ctx.owner)?.clear();
      return;
    }
    const cache = this.cacheFor(ctx.registry, ctx.site);
    await ctx.registry.invalidate({ namespace: cache.namespace });
  }

  stats(ctx: ControlContext): Record<string, unknown> {
    const cache = this.cacheFor(ctx.registry, ctx.site);
    const memo = this.opts.scope === 'instance' ? this.#owners.peek(ctx.owner) : cache.sharedMemo;
    return { ...cache.figures.toJSON(), entries: memo?.lru.size ?? 0 };
  }
}

/** Reports a failed lock operation (`E_STORE` on the registry's `error` event); the call goes on without the lock. */
function lockFailed(cache: MethodCache, op: 'acquire' | 'release', error: unknown): void {
  const method = cache.site.name;
  cache.registry.emitError(
    new HotpathError(
      'E_STORE',
      `@cached on ${method}: distributed lock ${op} failed: ${errorMessage(error)}`,
      { cause: error },
    ),
    { decorator: 'cached', method },
  );
}
