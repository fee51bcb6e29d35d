/**
 * Tag invalidation without scanning (SPEC §5.4), bentocache-style:
 *
 * - Every entry carries its tags, a process-local sequence number and its creation time.
 * - In-process (L1): invalidating a tag records the next sequence number for it; an L1 entry
 *   whose tag was invalidated after the entry's computation started is stale. The check costs a
 *   `Map` lookup per tag, and only for entries that have tags.
 * - Across processes (L2): invalidating a tag writes its invalidation time to every shared tier
 *   of the registry (`hotpath:tag:<tag>`, one small key). An entry read from a shared tier is
 *   stale when one of its tags was invalidated after the entry was created. Tag times are
 *   cached in-process: with a bus, until a bus message or a resync says otherwise; without a
 *   bus, for at most 1 s (so another process's invalidation is seen within a second).
 * - Tag keys expire ({@link TAG_KEY_TTL_MS}, 31 days), so one key per tag ever invalidated
 *   does not pile up in the store. That is safe because a tagged entry is never trusted in a
 *   shared tier longer than {@link TAGGED_ENTRY_MAX_AGE_MS} (30 days) after its creation (it
 *   is written with at most that expiry, and a read of an older one, e.g. one written without
 *   expiry by an earlier version, is a miss): when a tag key expires, every entry it could
 *   concern is already unusable. The extra day covers clock skew between processes.
 *
 * Clock skew between processes shifts the cut-off by the skew. Invalidations are stamped one
 * millisecond ahead, erring on the side of recomputing: an entry written in the millisecond of
 * an invalidation (before or after it) counts as older than it in other processes, which then
 * compute it once more rather than risk serving a value from before the invalidation.
 */
import type { Hotpath } from '../registry/hotpath.js';
import { FAILED, storeTier, type StoreTier, type TierCaller } from './shared-tier.js';

let sequence = 0;

/** The next process-wide sequence number (monotonic, for ordering computations and invalidations). */
export function nextSequence(): number {
  return ++sequence;
}

/** How long a tag time read from a shared tier is trusted without a bus. */
const TAG_KNOWLEDGE_MS = 1_000;

/**
 * Most invalidated tags remembered in-process (and most tag times cached per tier). Beyond it
 * the older half is forgotten and `floor` rises past them: every tagged L1 entry computed
 * before the floor then counts as invalidated (a recomputation, never a stale value), so
 * per-entity tags (`user:<id>`) cannot grow the process without bound.
 */
const MAX_TAGS = 50_000;

/**
 * Longest a tagged entry is used from a shared tier, counted from its creation: 30 days. A
 * tagged entry without `ttl` (or with a longer one) is recomputed after that.
 */
export const TAGGED_ENTRY_MAX_AGE_MS = 30 * 24 * 3_600_000;

/** Expiry of a tag key: every entry it could concern is unusable by then (one day for clock skew). */
export const TAG_KEY_TTL_MS = TAGGED_ENTRY_MAX_AGE_MS + 24 * 3_600_000;

/** The shared-tier key holding a tag's invalidation time. */
export function tagKey(tag: string): string {
  return `hotpath:tag:${tag}`;
}

interface Known {
  readonly time: number;
  readonly at: number;
}

/** One registry's knowledge of tag invalidations. */
export class TagBook {
  readonly #registry: Hotpath;
  readonly #seq = new Map<string, number>();
  /** Tagged L1 entries computed at or before this sequence number count as invalidated. */
  #floor = 0;
  readonly #times = new Map<StoreTier, Map<string, Known>>();
  readonly #caller: TierCaller = {
    method: 'registry.invalidate',
    timeoutMs: 250,
    figures: { storeErrors: 0, storeTimeouts: 0, storeSkipped: 0 },
  };

  constructor(registry: Hotpath) {
    this.#registry = registry;
  }

  /** Whether an L1 entry computed from sequence `seq` with `tags` was invalidated since. */
  invalidatedSince(tags: readonly string[], seq: number): boolean {
    if (seq <= this.#floor) return true;
    for (let i = 0; i < tags.length; i++) {
      const s = this.#seq.get(tags[i]!);
      if (s !== undefined && s > seq) return true;
    }
    return false;
  }

  /**
   * Invalidates `tags`: in-process at once; with origin `'local'` also in every shared tier of
   * the registry (failures are reported by the tiers and do not reject).
   */
  async invalidate(tags: readonly string[], origin: 'local' | 'remote'): Promise<void> {
    for (const tag of tags) {
      // Re-inserted, so the map stays in invalidation order (oldest first) for pruning.
      this.#seq.delete(tag);
      this.#seq.set(tag, nextSequence());
    }
    if (this.#seq.size > MAX_TAGS) this.#prune();
    if (origin === 'remote') {
      // The sender wrote the shared tiers: forget what we knew, read again when needed.
      for (const known of this.#times.values()) for (const tag of tags) known.delete(tag);
      return;
    }
    const now = this.#registry.clock.now();
    const time = now + 1;
    const writes: Promise<boolean>[] = [];
    for (const name of Object.keys(this.#registry.stores)) {
      const tier = storeTier(this.#registry, name)!;
      const known = this.#knownIn(tier);
      for (const tag of tags) {
        known.set(tag, { time, at: now });
        writes.push(tier.set(tagKey(tag), String(time), TAG_KEY_TTL_MS, this.#caller));
      }
    }
    await Promise.all(writes);
  }

  /**
   * Whether an entry read from `tier`, created at `created` with `tags`, was invalidated since;
   * {@link FAILED} when a tag time could not be read (the caller recomputes rather than serve a
   * maybe-stale value, and knows the tier did not answer).
   */
  async staleIn(
    tier: StoreTier,
    tags: readonly string[],
    created: number,
    caller: TierCaller,
  ): Promise<boolean | typeof FAILED> {
    const known = this.#knownIn(tier);
    const now = this.#registry.clock.now();
    for (const tag of tags) {
      let k = known.get(tag);
      if (k === undefined || (this.#registry.bus === undefined && now - k.at >= TAG_KNOWLEDGE_MS)) {
        const raw = await tier.get(tagKey(tag), caller);
        if (raw === FAILED) return FAILED;
        const time = raw === undefined || raw === null ? 0 : Number(raw);
        known.set(tag, (k = { time: Number.isFinite(time) ? time : 0, at: now }));
      }
      if (k.time > created) return true;
    }
    return false;
  }

  #prune(): void {
    let drop = this.#seq.size - MAX_TAGS / 2;
    for (const [tag, seq] of this.#seq) {
      if (drop-- <= 0) break;
      this.#seq.delete(tag);
      if (seq > this.#floor) this.#floor = seq;
    }
  }

  /** Forgets every tag time read from shared tiers (after a bus resync). */
  dropLocal(): void {
    this.#times.clear();
  }

  #knownIn(tier: StoreTier): Map<string, Known> {
    let known = this.#times.get(tier);
    if (!known) this.#times.set(tier, (known = new Map()));
    // A cache of shared-tier reads: forgetting it only costs reads.
    else if (known.size > MAX_TAGS) known.clear();
    return known;
  }
}

const books = new WeakMap<Hotpath, TagBook>();

/** The tag book of `registry`, created (and registered as an invalidator) on first use. */
export function tagBook(registry: Hotpath): TagBook {
  let book = books.get(registry);
  if (!book) {
    const b = (book = new TagBook(registry));
    books.set(registry, b);
    registry.addInvalidator({
      invalidate: (target, origin) =>
        target.tags && target.tags.length > 0 ? b.invalidate(target.tags, origin) : undefined,
      dropLocal: () => b.dropLocal(),
    });
  }
  return book;
}
