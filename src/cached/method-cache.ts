/**
 * One `@cached` method in one registry (`MethodCache`): its figures, its shared tiers with their
 * generation numbers, its memos, its invalidator; reading entries from the shared tiers and
 * writing them there. The decorator (`cached.ts`) decides when; this module knows how.
 */
import { eventChannel, publishEvent } from '../core/channels.js';
import type { Clock } from '../core/clock.js';
import type { Site } from '../core/site.js';
import { HotpathError } from '../errors.js';
import type { Hotpath } from '../registry/hotpath.js';
import type { InvalidationTarget } from '../registry/types.js';
import { decode, encode } from './codec.js';
import { CachedFigures } from './figures.js';
import { Entry, Memo } from './memory-tier.js';
import { sharedPrefix } from './shared-keys.js';
import type { ResolvedCachedOptions } from './options.js';
import { bounded, FAILED, storeTier, type StoreTier, type TierCaller } from './shared-tier.js';
import { nextSequence, TAGGED_ENTRY_MAX_AGE_MS, tagBook, type TagBook } from './tag-book.js';

/** How long a generation number read from a shared tier is trusted without a bus. */
const GENERATION_KNOWLEDGE_MS = 1_000;

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

interface Generation {
  readonly value: Promise<string | undefined>;
  readonly at: number;
}

/** An error's message, for messages that quote it. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One `@cached` method in one registry: figures, shared tiers, generations, memos, invalidator. */
export class MethodCache {
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
    this.#prefix = sharedPrefix(this.namespace, opts.version);
    this.#gens = tiers.map(() => undefined);
    this.figures = registry.metric(site, 'cached', () => new CachedFigures(tiers));
    this.caller = {
      method: site.name,
      timeoutMs: opts.storeTimeoutMs,
      figures: this.figures,
      site,
    };
    this.book = tagBook(registry);
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

  // ---- shared keys and generations ---------------------------------------------------

  /** The distributed lock's key for `key` (`hotpath:lock:<namespace>[@version]:<key>`). */
  lockKey(key: string): string {
    return `hotpath:lock:${this.#prefix.slice('hotpath:'.length)}:${key}`;
  }

  /** The shared-tier key of `key` in generation `gen`: `hotpath:<namespace>[@version]#<gen>:<key>`. */
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

  /** Forgets the generation numbers read so far: the next shared operation reads them again. */
  forgetGenerations(): void {
    this.#gens.fill(undefined);
  }

  // ---- invalidation ------------------------------------------------------------------

  /**
   * The registry invalidator of this method: `key` drops one entry, a namespace alone every
   * entry (a new generation in the shared tiers). `'remote'`: the sender did the shared tiers.
   */
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

  /** Drops every in-process entry and generation number (after a bus resync). */
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
    const now = this.clock.now();
    let ttl = Number.isFinite(entry.staleUntil) ? entry.staleUntil - now : undefined;
    if (entry.tags !== undefined) {
      // Tag keys expire: a tagged entry must not outlive them (see tag-book.ts).
      const left = entry.created + TAGGED_ENTRY_MAX_AGE_MS - now;
      if (ttl === undefined || left < ttl) ttl = left;
    }
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

  /** Reports a value the codec could not encode or decode (`E_STORE`). */
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
    const gen = await this.generation(i);
    if (gen === undefined) return FAILED;
    const text = await tier.get(this.sharedKey(gen, key), this.caller);
    if (text === FAILED) return FAILED;
    if (text === undefined || text === null) return undefined;
    let parts: EntryParts;
    try {
      parts = decodeEntry(text);
    } catch (error) {
      this.reportCodec('decode', key, error, tier.name);
      return undefined;
    }
    const now = this.clock.now();
    if (now >= parts.staleUntil) return undefined;
    // Older than a tag key lives: its tags' invalidations may be forgotten (see tag-book.ts).
    if (parts.tags && now - parts.created >= TAGGED_ENTRY_MAX_AGE_MS) return undefined;
    if (parts.tags) {
      const stale = await this.book.staleIn(tier, parts.tags, parts.created, this.caller);
      if (stale === FAILED) return FAILED;
      if (stale) return undefined;
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
