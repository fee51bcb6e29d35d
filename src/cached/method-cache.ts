/**
 * One `@cached` method in one registry (`MethodCache`): its figures, its shared tiers, its
 * memos, its invalidator; reading entries from the shared tiers and writing them there. The
 * decorator (`cached.ts`) decides when; this module knows how.
 */
import { eventChannel, publishEvent } from '../core/channels.js';
import type { Clock } from '../core/clock.js';
import type { SiteInfo } from '../core/site.js';
import { HotpathError } from '../errors.js';
import type { Hotpath } from '../registry/hotpath.js';
import type { InvalidationTarget } from '../registry/types.js';
import { decode, encode } from './codec.js';
import { CachedFigures } from './figures.js';
import { Entry, Memo } from './memory-tier.js';
import type { ResolvedCachedOptions } from './options.js';
import { bounded, FAILED, storeTier, type StoreTier, type TierCaller } from './shared-tier.js';
import { invalidationBook, nextSequence, type InvalidationBook } from './invalidation-book.js';
import { entryKey, lockKey, namespaceMark, STORE_MARK, tagMark } from './shared-keys.js';
import { errorMessage } from '../core/error-message.js';

/** An owner's memo, linked to its method's state in its registry. */
export class OwnerMemo extends Memo {
  readonly figures: CachedFigures;
  readonly clock: Clock;
  constructor(readonly cache: MethodCache) {
    super(cache.opts.max);
    this.figures = cache.figures;
    this.clock = cache.registry.clock;
  }
}

/** A usable entry read from a shared tier. */
export interface Found {
  readonly entry: Entry;
  readonly tier: string;
  readonly fresh: boolean;
}

/** One `@cached` method in one registry: figures, shared tiers, memos, invalidator. */
export class MethodCache {
  readonly figures: CachedFigures;
  readonly tiers: readonly StoreTier[];
  readonly book: InvalidationBook;
  readonly namespace: string;
  readonly caller: TierCaller;
  readonly clock: Clock;
  /** The memo of shared scope; undefined for instance scope. */
  readonly sharedMemo: OwnerMemo | undefined;
  /** Instance scope: every owner's memo, weakly, for namespace/key invalidation and resync. */
  readonly #owners = new Set<WeakRef<OwnerMemo>>();
  #liveOwners = 0;
  /** The marks every entry of this method has: the store's and its namespace's. */
  readonly #baseMarks: readonly string[];
  /** Background work (refreshes, shared writes) that `shutdown()` waits for. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(
    readonly registry: Hotpath,
    readonly site: SiteInfo,
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
    this.#baseMarks = [STORE_MARK, namespaceMark(this.namespace)];
    this.figures = registry.metric(site, 'cached', () => new CachedFigures(tiers));
    this.caller = {
      method: site.name,
      timeoutMs: opts.storeTimeoutMs,
      figures: this.figures,
      site,
    };
    this.book = invalidationBook(registry);
    this.sharedMemo = opts.scope === 'shared' ? new OwnerMemo(this) : undefined;
    // Held for this method's life only (a function wrapped per request must be collectable);
    // work in #pending keeps `this` reachable through its `track` reactions until it settles.
    registry.addInvalidator(this, this);
    registry.onShutdown(
      {
        run: () => Promise.all([...this.#pending]),
        pending: () => this.#pending.size > 0,
        // Background refreshes and shared writes have no caller to reject: list them only.
        abandon: () =>
          this.#pending.size === 0
            ? []
            : [
                {
                  decorator: 'cached',
                  method: this.caller.method,
                  pending: this.#pending.size,
                  detail: `${this.#pending.size} background ${this.#pending.size === 1 ? 'refresh or write' : 'refreshes or writes'} not finished`,
                },
              ],
      },
      'flush',
      this,
    );
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

  /** Keeps background work (refreshes, shared writes) for `shutdown()` to wait for. */
  track(work: Promise<unknown>): void {
    this.#pending.add(work);
    const done = (): void => void this.#pending.delete(work);
    work.then(done, done);
  }

  // ---- shared keys ------------------------------------------------------------------

  /** The distributed lock's key for `key` (`hotpath:lock:<namespace>[@version]:<key>`). */
  lockKey(key: string): string {
    return lockKey(this.namespace, this.opts.version, key);
  }

  /** The shared-tier key of `key`: `hotpath:<namespace>#<key>` (see shared-keys.ts). */
  sharedKey(key: string): string {
    return entryKey(this.namespace, key);
  }

  /** The marks an entry with `tags` is judged against (see invalidation-book.ts). */
  marksOf(tags: readonly string[] | undefined): readonly string[] {
    return tags === undefined ? this.#baseMarks : [...this.#baseMarks, ...tags.map(tagMark)];
  }

  // ---- invalidation ------------------------------------------------------------------

  /**
   * The registry invalidator of this method, in-process only (the invalidation book writes the
   * shared tiers for the whole registry): `key` drops one entry, a namespace alone every entry.
   */
  invalidate(target: InvalidationTarget): void {
    if (target.namespace === undefined || target.namespace !== this.namespace) return;
    if (target.key !== undefined) {
      for (const memo of this.memos()) memo.delete(target.key);
    } else {
      for (const memo of this.memos()) memo.clear();
    }
  }

  /** Drops every in-process entry (after a bus resync). */
  dropLocal(): void {
    for (const memo of this.memos()) memo.clear();
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
   * A tier where the entry is already invalid (a mark newer than its creation, as this process
   * knows or reads the marks) does not get it: nobody could use it. Resolves whether every
   * tier took it or failed for its own reasons (false: a mark made it invalid somewhere).
   */
  async writeTiers(key: string, entry: Entry, upTo: number, awaited: boolean): Promise<boolean> {
    let text: string;
    try {
      text = encodeEntry(entry, this.opts.version);
    } catch (error) {
      this.reportCodec('encode', key, error);
      return true;
    }
    const ttl = Number.isFinite(entry.staleUntil) ? entry.staleUntil - this.clock.now() : undefined;
    if (ttl !== undefined && ttl <= 0) return true;
    const marks = this.marksOf(entry.tags);
    const written = await Promise.all(
      this.tiers.slice(0, upTo).map(async (tier) => {
        const valid = await this.book.valid(tier, marks, entry.created, this.caller);
        if (valid === false) return false;
        if (valid === true) {
          await tier.set(this.sharedKey(key), text, ttl, this.caller, awaited);
        }
        return true;
      }),
    );
    return !written.includes(false);
  }

  /** Reports a value the codec could not encode or decode (`E_STORE`). */
  reportCodec(op: 'encode' | 'decode', key: string, error: unknown, store?: string): void {
    const what =
      op === 'encode'
        ? 'cannot be encoded for the shared tiers'
        : `read from store '${store}' cannot be decoded`;
    const err = new HotpathError(
      'E_STORE',
      `@cached on ${this.site.name}: the value of key ${key} ${what}: ${errorMessage(error)}`,
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
   * The whole read of one tier (entry and marks) is bounded by `storeTimeout`,
   * so a caller waits at most that long per tier even when each operation is just under it.
   *
   * Resolves the entry found, `undefined` on a miss in every tier, or {@link FAILED} when no
   * tier had it and at least one could not answer (an operation failed or timed out, the
   * breaker skipped the tier, or the read went over budget): "I could not tell", which a
   * caller that would wait for a value to appear must not mistake for "not there yet".
   */
  async read(key: string, raw: boolean): Promise<Found | typeof FAILED | undefined> {
    const seq = nextSequence();
    let failed = false;
    for (let i = 0; i < this.tiers.length; i++) {
      let found: Found | typeof FAILED | undefined;
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
        failed = true;
        continue;
      }
      if (found === FAILED) failed = true;
      else if (found) {
        if (i > 0) this.track(this.writeTiers(key, found.entry, i, false));
        return found;
      }
    }
    return failed ? FAILED : undefined;
  }

  async #readTier(
    i: number,
    key: string,
    raw: boolean,
    seq: number,
  ): Promise<Found | typeof FAILED | undefined> {
    const tier = this.tiers[i]!;
    // The store's and the namespace's marks, in parallel with the entry: known (or created, when
    // missing) before the caller computes, so a value computed after a miss can be written.
    const [text, learned] = await Promise.all([
      tier.get(this.sharedKey(key), this.caller),
      this.book.learn(tier, this.#baseMarks, this.caller),
    ]);
    if (text === FAILED) return FAILED;
    if (text === undefined || text === null) return learned ? undefined : FAILED;
    let parts: EntryParts;
    try {
      parts = decodeEntry(text);
    } catch (error) {
      this.reportCodec('decode', key, error, tier.name);
      return undefined;
    }
    // Written by another version of the method: its value may have another shape.
    if (parts.version !== this.opts.version) return undefined;
    const now = this.clock.now();
    if (now >= parts.staleUntil) return undefined;
    const valid = await this.book.valid(tier, this.marksOf(parts.tags), parts.created, this.caller);
    if (valid === FAILED) return FAILED;
    if (!valid) return undefined;
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
  /** The `version` option of the method that wrote it (`''` for none). */
  version: string;
}

/**
 * The shared form of an entry: `[value, created, expires, staleUntil, tags?, version?]`
 * through the codec (`tags` is `null` when a version follows and the entry has none).
 */
function encodeEntry(entry: Entry, version: string): string {
  const parts: unknown[] = [entry.value, entry.created, entry.expires, entry.staleUntil];
  if (entry.tags || version !== '') parts.push(entry.tags ?? null);
  if (version !== '') parts.push(version);
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
  const tags = (parts[4] ?? undefined) as unknown;
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) {
    throw new TypeError('not a hotpath cache entry (bad tags)');
  }
  const version = (parts[5] ?? '') as unknown;
  if (typeof version !== 'string') throw new TypeError('not a hotpath cache entry (bad version)');
  return {
    value: parts[0],
    created: parts[1],
    expires: parts[2],
    staleUntil: parts[3],
    tags: tags as string[] | undefined,
    version,
  };
}
