/**
 * One `@cached` method in one registry (`MethodCache`): its figures, its shared tiers, its
 * memos, its invalidator, its shared keys, and how it builds an entry from a value. The paths
 * of `@cached` (hit-path.ts and the files it hands calls to) decide when; the shared tiers'
 * reads and writes are in shared-entries.ts.
 */
import { eventChannel, publishEvent } from '../core/channels.js';
import type { Clock } from '../core/clock.js';
import type { SiteInfo } from '../core/site.js';
import { HotpathError } from '../errors.js';
import type { Runtime } from '../core/runtime.js';
import type { InvalidationTarget } from '../core/services.js';
import { CachedFigures } from './figures.js';
import { invalidationBook, nextSequence, type InvalidationBook } from './invalidation-book.js';
import type { KeyedCall } from './keyed-call.js';
import { Entry } from './memory-tier.js';
import type { ResolvedCachedOptions } from './options.js';
import { OwnerMemo } from './owner-memo.js';
import { entryKey, lockKey, namespaceMark, STORE_MARK, tagMark } from './shared-keys.js';
import { storeTier, type StoreTier, type TierCaller } from './shared-tier.js';
import { holdsWeakly, WeakValue } from './weak-value.js';

/**
 * When a computation of the method started, which judges its entry against invalidations made
 * meanwhile: `seq` in process (tag sequence numbers), `created` across processes (marks).
 */
export interface Started {
  readonly seq: number;
  readonly created: number;
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
  /** `sharedKey('')`: the namespace escaped once, not on every read. */
  readonly #entryPrefix: string;
  /** Background work (refreshes, shared writes) that `shutdown()` waits for. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(
    readonly registry: Runtime,
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
    this.#entryPrefix = entryKey(this.namespace, '');
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
    return this.#entryPrefix + key;
  }

  /**
   * The marks an entry with `tags` is judged against (see invalidation-book.ts); without tags,
   * the marks every entry of this method has (the store's and its namespace's).
   */
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

  /** Takes the sequence number and the time of a computation starting now. */
  start(): Started {
    return { seq: nextSequence(), created: this.clock.now() };
  }

  /**
   * Builds the entry for `value`, computed for `req` from `started` (or undefined when
   * `unless`, or a throwing `tags`, says not to cache it). `async`: whether a hit returns a
   * promise of it. Expiry counts from now, the moment the value is known.
   */
  entryFor(req: KeyedCall, started: Started, value: unknown, async: boolean): Entry | undefined {
    const { unless, tags, ttlMs, jitter, swrMs, sieMs } = this.opts;
    let entryTags: readonly string[] | undefined;
    try {
      if (unless !== undefined && unless(value) === true) return undefined;
      if (tags !== undefined) {
        const t = tags(value, ...req.call.args);
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
    // `weak`: an object is held through a WeakRef (see weak-value.ts); a primitive, strongly.
    const weak =
      this.opts.weak && holdsWeakly(value)
        ? new WeakValue(value, async, req.memo, req.l1)
        : undefined;
    return new Entry({
      result: weak ?? (async ? Promise.resolve(value) : value),
      value: weak ?? value,
      expires,
      staleUntil,
      seq: started.seq,
      created: started.created,
      tags: entryTags,
      raw: req.raw,
    });
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
}
