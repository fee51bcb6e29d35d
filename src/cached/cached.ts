/**
 * `@cached`: memoization in tiers (SPEC §5): an in-process LRU (L1) per instance (or per
 * registry for shared scope), then the registry's named shared stores (L2: any keyv), then the
 * method. Single flight per key, never caches failures, optional freshness machinery (`ttl`,
 * `staleWhileRevalidate`, `staleIfError`, `jitter`), invalidation by key, namespace (O(1)
 * through a generation number in the shared key) and tag, and shared tiers that fail open.
 *
 * Events on the `hotpath:event` diagnostics channel (`decorator: 'cached'`):
 * - `hit` `{ tier: 'memory' | <store name>, key }`: served from a tier;
 * - `miss` `{ key }`: the method runs;
 * - `coalesced` `{ key }`: a call joined a computation in flight;
 * - `stale` `{ key, reason: 'revalidate' | 'error' }`: a stale value was served;
 * - `refresh` `{ key }`: a background refresh started; `refresh-error` `{ key, error }` it failed;
 * - `store-error` `{ store, key, error }`: a shared value could not be decoded or encoded;
 * - `lock-wait` `{ key }`: another process holds the distributed lock, this one polls.
 *
 * Hit path (memory tier, no `ttl`/`tags`): the key, one per-owner state lookup, one LRU `get`,
 * one counter increment, and the value or the settled promise stored with the entry.
 */
import { eventChannel, publishEvent } from '../core/channels.js';
import type { Clock } from '../core/clock.js';
import { createDecorator, type AnyFunction, type HotpathDecorator } from '../core/intercept.js';
import type { Call } from '../core/call.js';
import { argumentKey } from '../core/key.js';
import type { ControlContext, Invoke, Layer, Site } from '../core/site.js';
import { PerOwner } from '../core/state.js';
import { HotpathError } from '../errors.js';
import { registryOf } from '../registry/binding.js';
import type { Hotpath } from '../registry/hotpath.js';
import type { InvalidationTarget } from '../registry/types.js';
import type { BreakerState } from './breaker.js';
import { decode, encode } from './codec.js';
import { Entry, Memo } from './memory-tier.js';
import { resolveCachedOptions, type CachedOptions, type ResolvedCachedOptions } from './options.js';
import { bounded, FAILED, storeTier, type StoreTier, type TierCaller } from './shared-tier.js';
import { nextSequence, tagBook, type TagBook } from './tag-book.js';

/** How long a generation number read from a shared tier is trusted without a bus. */
const GENERATION_KNOWLEDGE_MS = 1_000;

/** Figures of one `@cached` method in one registry (`stats()` / `control().stats()`). */
export class CachedFigures {
  memoryHits = 0;
  readonly storeHits: Record<string, number> = {};
  misses = 0;
  staleServed = 0;
  staleIfError = 0;
  refreshes = 0;
  refreshErrors = 0;
  coalesced = 0;
  lockWaits = 0;
  lockWaitTimeouts = 0;
  storeErrors = 0;
  storeTimeouts = 0;
  storeSkipped = 0;
  /** Reads of a tier abandoned because, all operations together, they took over `storeTimeout`. */
  storeReadsAbandoned = 0;
  readonly #tiers: readonly StoreTier[];

  constructor(tiers: readonly StoreTier[]) {
    this.#tiers = tiers;
    for (const t of tiers) this.storeHits[t.name] = 0;
  }

  /** The JSON form `stats()` shows. */
  toJSON(): Record<string, unknown> {
    let hits = this.memoryHits;
    for (const n of Object.values(this.storeHits)) hits += n;
    const out: Record<string, unknown> = {
      hits,
      hitsByTier: { memory: this.memoryHits, ...this.storeHits },
      misses: this.misses,
      staleServed: this.staleServed,
      staleIfError: this.staleIfError,
      refreshes: this.refreshes,
      refreshErrors: this.refreshErrors,
      coalesced: this.coalesced,
    };
    if (this.#tiers.length > 0) {
      const breaker: Record<string, BreakerState> = {};
      for (const t of this.#tiers) breaker[t.name] = t.breaker.state;
      Object.assign(out, {
        storeErrors: this.storeErrors,
        storeTimeouts: this.storeTimeouts,
        storeSkipped: this.storeSkipped,
        storeReadsAbandoned: this.storeReadsAbandoned,
        lockWaits: this.lockWaits,
        lockWaitTimeouts: this.lockWaitTimeouts,
        breaker,
      });
    }
    return out;
  }
}

/** An owner's memo, linked to its method's state in its registry. */
class OwnerMemo extends Memo {
  readonly figures: CachedFigures;
  readonly clock: Clock;
  constructor(readonly cache: MethodCache) {
    super(cache.opts.max);
    this.figures = cache.figures;
    this.clock = cache.registry.clock;
  }
}

interface Found {
  readonly entry: Entry;
  readonly tier: string;
  readonly fresh: boolean;
}

interface Generation {
  readonly value: Promise<string | undefined>;
  readonly at: number;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One `@cached` method in one registry: figures, shared tiers, generations, memos, invalidator. */
class MethodCache {
  readonly figures: CachedFigures;
  readonly tiers: readonly StoreTier[];
  readonly book: TagBook;
  readonly namespace: string;
  readonly caller: TierCaller;
  readonly clock: Clock;
  /** The memo of shared scope; undefined for instance scope. */
  readonly sharedMemo: OwnerMemo | undefined;
  /** Instance scope: every owner's memo, weakly, for namespace/key invalidation and resync. */
  readonly #owners = new Set<WeakRef<OwnerMemo>>();
  #liveOwners = 0;
  readonly #gens: (Generation | undefined)[];
  readonly #prefix: string;
  /** Background work (refreshes, shared writes) that `shutdown()` waits for. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(
    readonly registry: Hotpath,
    readonly site: Site,
    readonly opts: ResolvedCachedOptions,
  ) {
    const tiers: StoreTier[] = [];
    for (const name of opts.stores) {
      const tier = storeTier(registry, name);
      if (!tier) {
        const known = Object.keys(registry.stores);
        throw new HotpathError(
          'E_CONFIG',
          `@cached on ${site.name}: store '${name}' is not in registry '${registry.name}' (known stores: ${known.length ? known.map((k) => `'${k}'`).join(', ') : 'none'}); add it with createHotpath({ stores: { ${name}: ... } })`,
        );
      }
      tiers.push(tier);
    }
    if (opts.lock && !registry.lock) {
      throw new HotpathError(
        'E_CONFIG',
        `@cached on ${site.name}: \`distributedLock\` needs a lock in registry '${registry.name}' (createHotpath({ lock }), e.g. from hotpath/redis)`,
      );
    }
    this.tiers = tiers;
    this.clock = registry.clock;
    this.namespace = opts.namespace ?? site.name;
    this.#prefix = `hotpath:${this.namespace}${opts.version === '' ? '' : `@${opts.version}`}`;
    this.#gens = tiers.map(() => undefined);
    this.figures = registry.metric(site.name, 'cached', () => new CachedFigures(tiers));
    this.caller = { method: site.name, timeoutMs: opts.storeTimeoutMs, figures: this.figures };
    this.book = tagBook(registry);
    this.sharedMemo = opts.scope === 'shared' ? new OwnerMemo(this) : undefined;
    registry.addInvalidator({
      invalidate: (target, origin) => this.invalidate(target, origin),
      dropLocal: () => this.dropLocal(),
    });
    registry.onShutdown(() => Promise.all([...this.#pending]), 'flush');
  }

  /** A new memo for an instance-scope owner. */
  ownerMemo(): OwnerMemo {
    const memo = new OwnerMemo(this);
    this.#owners.add(new WeakRef(memo));
    // Forget collected owners now and then, so the set stays proportional to live instances.
    if (this.#owners.size > 2 * this.#liveOwners + 64) {
      for (const ref of this.#owners) if (ref.deref() === undefined) this.#owners.delete(ref);
      this.#liveOwners = this.#owners.size;
    }
    return memo;
  }

  /** Every memo of this method in this registry. */
  *memos(): Iterable<OwnerMemo> {
    if (this.sharedMemo) yield this.sharedMemo;
    for (const ref of this.#owners) {
      const memo = ref.deref();
      if (memo) yield memo;
      else this.#owners.delete(ref);
    }
  }

  track(work: Promise<unknown>): void {
    this.#pending.add(work);
    const done = (): void => void this.#pending.delete(work);
    work.then(done, done);
  }

  // ---- shared keys and generations ---------------------------------------------------

  /** The distributed lock's key for `key` (`hotpath:lock:<namespace>[@version]:<key>`). */
  lockKey(key: string): string {
    return `hotpath:lock:${this.#prefix.slice('hotpath:'.length)}:${key}`;
  }

  sharedKey(gen: string, key: string): string {
    return `${this.#prefix}#${gen}:${key}`;
  }

  /** The generation number of tier `i` (undefined when it cannot be read: skip the tier). */
  generation(i: number): Promise<string | undefined> {
    const now = this.clock.now();
    const g = this.#gens[i];
    if (g && (this.registry.bus !== undefined || now - g.at < GENERATION_KNOWLEDGE_MS))
      return g.value;
    const value = this.tiers[i]!.get(`${this.#prefix}:gen`, this.caller).then((raw) => {
      if (raw === FAILED) {
        // Do not remember a failure: the next call asks again.
        if (this.#gens[i]?.value === value) this.#gens[i] = undefined;
        return undefined;
      }
      return raw === undefined || raw === null ? '0' : String(raw);
    });
    this.#gens[i] = { value, at: now };
    return value;
  }

  /** Starts a new generation in every tier: every shared entry of this method is gone at once. */
  async bumpGenerations(): Promise<void> {
    const now = this.clock.now();
    await Promise.all(
      this.tiers.map(async (tier, i) => {
        const known = this.#gens[i] ? Number(await this.#gens[i]!.value) : 0;
        const next = String(Math.max(now, (Number.isFinite(known) ? known : 0) + 1));
        this.#gens[i] = { value: Promise.resolve(next), at: now };
        await tier.set(`${this.#prefix}:gen`, next, undefined, this.caller);
      }),
    );
  }

  forgetGenerations(): void {
    this.#gens.fill(undefined);
  }

  // ---- invalidation ------------------------------------------------------------------

  async invalidate(target: InvalidationTarget, origin: 'local' | 'remote'): Promise<void> {
    if (target.namespace === undefined || target.namespace !== this.namespace) return;
    if (target.key !== undefined) {
      const key = target.key;
      for (const memo of this.memos()) memo.delete(key);
      if (origin === 'local' && this.tiers.length > 0) {
        await Promise.all(
          this.tiers.map(async (tier, i) => {
            const gen = await this.generation(i);
            if (gen !== undefined) await tier.delete(this.sharedKey(gen, key), this.caller);
          }),
        );
      }
      return;
    }
    for (const memo of this.memos()) memo.clear();
    if (this.tiers.length === 0) return;
    if (origin === 'local') await this.bumpGenerations();
    else this.forgetGenerations();
  }

  dropLocal(): void {
    for (const memo of this.memos()) memo.clear();
    this.forgetGenerations();
  }

  // ---- entries -----------------------------------------------------------------------

  /**
   * Builds the entry for `value` (or undefined when `unless`, or a throwing `tags`, says not to
   * cache it). Expiry counts from now, the moment the value is known.
   */
  entryFor(
    value: unknown,
    async: boolean,
    seq: number,
    created: number,
    args: unknown[],
    raw: boolean,
  ): Entry | undefined {
    const { unless, tags, ttlMs, jitter, swrMs, sieMs } = this.opts;
    let entryTags: readonly string[] | undefined;
    try {
      if (unless !== undefined && unless(value) === true) return undefined;
      if (tags !== undefined) {
        const t = tags(value, ...args);
        entryTags = Array.isArray(t) && t.length > 0 ? [...(t as string[])] : undefined;
      }
    } catch (error) {
      this.registry.emitError(error, { decorator: 'cached', method: this.site.name });
      return undefined;
    }
    let expires = Number.POSITIVE_INFINITY;
    if (ttlMs !== undefined) {
      const life = jitter > 0 ? ttlMs * (1 - jitter * Math.random()) : ttlMs;
      expires = this.clock.now() + life;
    }
    const staleUntil = expires + Math.max(swrMs, sieMs);
    return new Entry(
      async ? Promise.resolve(value) : value,
      value,
      expires,
      staleUntil,
      seq,
      created,
      entryTags,
      raw,
    );
  }

  /** Whether `stale` may stand in for a failure now (`staleIfError`). */
  staleForError(stale: Entry | undefined, key: string): boolean {
    if (stale === undefined || this.opts.sieMs === 0) return false;
    if (this.clock.now() >= stale.expires + this.opts.sieMs) return false;
    this.figures.staleIfError++;
    if (eventChannel.hasSubscribers)
      publishEvent('cached', 'stale', this.site, { key, reason: 'error' });
    return true;
  }

  /**
   * Writes an entry to the shared tiers `0..upTo-1` (never rejects; failures are reported).
   * `awaited`: whether a caller waits for it (else its timeouts do not keep the process alive).
   */
  async writeTiers(key: string, entry: Entry, upTo: number, awaited: boolean): Promise<void> {
    let text: string;
    try {
      text = encodeEntry(entry);
    } catch (error) {
      this.reportCodec('encode', key, error);
      return;
    }
    const ttl = Number.isFinite(entry.staleUntil) ? entry.staleUntil - this.clock.now() : undefined;
    if (ttl !== undefined && ttl <= 0) return;
    await Promise.all(
      this.tiers.slice(0, upTo).map(async (tier, i) => {
        const gen = await this.generation(i);
        if (gen !== undefined) {
          await tier.set(this.sharedKey(gen, key), text, ttl, this.caller, awaited);
        }
      }),
    );
  }

  reportCodec(op: 'encode' | 'decode', key: string, error: unknown, store?: string): void {
    const what =
      op === 'encode'
        ? 'cannot be encoded for the shared tiers'
        : `read from store '${store}' cannot be decoded`;
    const err = new HotpathError(
      'E_STORE',
      `@cached on ${this.site.name}: the value of key ${key} ${what}: ${describeError(error)}`,
      {
        cause: error,
      },
    );
    this.registry.emitError(err, {
      decorator: 'cached',
      method: this.site.name,
      store: store ?? this.opts.stores[0],
    });
    if (eventChannel.hasSubscribers)
      publishEvent('cached', 'store-error', this.site, { store, key, error: err });
  }

  /**
   * Reads down the shared tiers; a hit fills the tiers above it. `raw`: see {@link Entry.raw}.
   * The whole read of one tier (generation, entry, tag times) is bounded by `storeTimeout`,
   * so a caller waits at most that long per tier even when each operation is just under it.
   */
  async read(key: string, raw: boolean): Promise<Found | undefined> {
    const seq = nextSequence();
    for (let i = 0; i < this.tiers.length; i++) {
      let found: Found | undefined;
      try {
        found = await bounded(
          () => this.#readTier(i, key, raw, seq),
          this.opts.storeTimeoutMs,
          this.clock,
        );
      } catch {
        // Over budget: a miss for this caller. The operations still running finish (and
        // report their own failures) in the background.
        this.figures.storeReadsAbandoned++;
        continue;
      }
      if (found) {
        if (i > 0) this.track(this.writeTiers(key, found.entry, i, false));
        return found;
      }
    }
    return undefined;
  }

  async #readTier(i: number, key: string, raw: boolean, seq: number): Promise<Found | undefined> {
    const tier = this.tiers[i]!;
    const gen = await this.generation(i);
    if (gen === undefined) return undefined;
    const text = await tier.get(this.sharedKey(gen, key), this.caller);
    if (text === FAILED || text === undefined || text === null) return undefined;
    let parts: EntryParts;
    try {
      parts = decodeEntry(text);
    } catch (error) {
      this.reportCodec('decode', key, error, tier.name);
      return undefined;
    }
    if (this.clock.now() >= parts.staleUntil) return undefined;
    if (parts.tags && (await this.book.staleIn(tier, parts.tags, parts.created, this.caller))) {
      return undefined;
    }
    const entry = new Entry(
      Promise.resolve(parts.value),
      parts.value,
      parts.expires,
      parts.staleUntil,
      seq,
      parts.created,
      parts.tags,
      raw,
    );
    return { entry, tier: tier.name, fresh: this.clock.now() < parts.expires };
  }
}

interface EntryParts {
  value: unknown;
  created: number;
  expires: number;
  staleUntil: number;
  tags: readonly string[] | undefined;
}

/** The shared form of an entry: `[value, created, expires, staleUntil, tags?]` through the codec. */
function encodeEntry(entry: Entry): string {
  const parts: unknown[] = [entry.value, entry.created, entry.expires, entry.staleUntil];
  if (entry.tags) parts.push(entry.tags);
  return encode(parts);
}

function decodeEntry(raw: unknown): EntryParts {
  if (typeof raw !== 'string') throw new TypeError(`expected a string, got ${typeof raw}`);
  const parts = decode(raw);
  if (
    !Array.isArray(parts) ||
    parts.length < 4 ||
    typeof parts[1] !== 'number' ||
    typeof parts[2] !== 'number' ||
    typeof parts[3] !== 'number'
  ) {
    throw new TypeError('not a hotpath cache entry');
  }
  const tags = parts[4] as unknown;
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) {
    throw new TypeError('not a hotpath cache entry (bad tags)');
  }
  return {
    value: parts[0],
    created: parts[1],
    expires: parts[2],
    staleUntil: parts[3],
    tags: tags as string[] | undefined,
  };
}

/** A method returning a promise (what `@cached` with `store` accepts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AsyncMethod = (this: any, ...args: any[]) => PromiseLike<unknown>;

/**
 * Caches a method's results. See {@link CachedOptions} for every option and SPEC §5 for the
 * contract; in short:
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
      const wrap = (inner: Invoke, site: Site): Invoke => layer.wrap(inner, site);
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
  #site: Site | undefined;

  constructor(opts: ResolvedCachedOptions) {
    this.opts = opts;
    this.#owners = new PerOwner((owner) =>
      this.cacheFor(registryOf(owner), this.#site!).ownerMemo(),
    );
  }

  /** The method's state in `registry`, created (and validated against the registry) on first use. */
  cacheFor(registry: Hotpath, site: Site): MethodCache {
    let cache = this.#caches.get(registry);
    if (!cache) this.#caches.set(registry, (cache = new MethodCache(registry, site, this.opts)));
    return cache;
  }

  /** The full key of a call: the `key` option's result, else the stable argument key. */
  keyOf(instance: unknown, args: unknown[], site: Site): string {
    const userKey = this.opts.key;
    return userKey === undefined
      ? argumentKey(args, site.name)
      : String(userKey.apply(instance, args));
  }

  wrap(inner: Invoke, site: Site): Invoke {
    this.#site = site;
    const opts = this.opts;
    const where = site.name;
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
        if (userKey !== undefined) l1 = String(userKey.apply(call.instance, args));
        else if (args.length === 1 && typeof args[0] === 'string') {
          l1 = args[0];
          raw = true;
        } else l1 = argumentKey(args, where);
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
    if (found) {
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
      if (this.opts.lock) return await this.#lockedCompute(memo, key, l1, call, inner, current);
      return await this.#computeShared(memo, key, l1, call, inner, current, false);
    } catch (error) {
      if (cache.staleForError(stale, key)) return stale!.value;
      throw error;
    }
  }

  /** Runs the method and stores its value in L1 (if the flight is still current) and the shared tiers. */
  async #computeShared(
    memo: OwnerMemo,
    key: string,
    l1: string,
    call: Call,
    inner: Invoke,
    current: () => boolean,
    awaitWrites: boolean,
  ): Promise<unknown> {
    const cache = memo.cache;
    const seq = nextSequence();
    const created = memo.clock.now();
    const value = await inner(call);
    if (!current()) return value;
    const entry = cache.entryFor(value, true, seq, created, call.args, l1 !== key);
    if (entry) {
      memo.lru.set(l1, entry);
      const writes = cache.writeTiers(key, entry, cache.tiers.length, awaitWrites);
      cache.track(writes);
      if (awaitWrites) await writes;
    }
    return value;
  }

  /** Distributed single flight: one process computes; the others poll the shared tiers for its value. */
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
    const method = cache.site.name;
    let release: (() => Promise<void>) | null | undefined;
    try {
      release = await bounded(
        () => lock.acquire(lockKey, lockOpts.ttlMs),
        this.opts.storeTimeoutMs,
        clock,
      );
    } catch (error) {
      // Fail open: without the lock, compute here.
      cache.registry.emitError(
        new HotpathError(
          'E_STORE',
          `@cached on ${method}: distributed lock acquire failed: ${describeError(error)}`,
          {
            cause: error,
          },
        ),
        { decorator: 'cached', method },
      );
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
        if (found?.fresh) {
          memo.figures.storeHits[found.tier]!++;
          if (eventChannel.hasSubscribers)
            publishEvent('cached', 'hit', cache.site, { tier: found.tier, key });
          if (current()) memo.lru.set(l1, found.entry);
          return found.entry.value;
        }
      }
      memo.figures.lockWaitTimeouts++;
      return this.#computeShared(memo, key, l1, call, inner, current, false);
    }
    if (release === undefined)
      return this.#computeShared(memo, key, l1, call, inner, current, false);
    try {
      return await this.#computeShared(memo, key, l1, call, inner, current, true);
    } finally {
      const r = release;
      try {
        await bounded(() => r(), this.opts.storeTimeoutMs, clock);
      } catch (error) {
        cache.registry.emitError(
          new HotpathError(
            'E_STORE',
            `@cached on ${method}: distributed lock release failed: ${describeError(error)}`,
            {
              cause: error,
            },
          ),
          { decorator: 'cached', method },
        );
      }
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
        ? this.#computeShared(memo, key, l1, call, inner, current, false)
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
