/**
 * Invalidation without scanning: what `registry.invalidate()` writes, and how an
 * entry is judged against it.
 *
 * In-process (L1): invalidating a tag records the next sequence number for it; an L1 entry
 * whose tag was invalidated after its computation started is stale (a `Map` lookup per tag,
 * only for entries with tags). Namespaces and keys drop L1 entries directly (`MethodCache`).
 *
 * Shared tiers (L2): marks (`shared-keys.ts`), each holding the time of the last invalidation
 * of what it names: the store, a namespace, a tag.
 *
 * - An entry carries its creation time (when its computation started) and its tags. Read from a
 *   tier, it is valid while none of its marks (the store's, its namespace's, one per tag) is
 *   later than its creation, and while it is not older than the tier's `trustedFrom` (set after
 *   the store reported an error: it may have restarted from older data).
 * - A missing mark cannot tell "never invalidated" from "invalidated, then lost" (expired,
 *   evicted under `maxmemory`, flushed, not in the data a restarted store loaded). So it is read
 *   as "invalidated now": the reader writes it with the current time, and every entry created
 *   before is a miss, recomputed once. Lost bookkeeping costs recomputations, never a stale
 *   value, whatever the store's eviction policy.
 * - Invalidating writes the marks (and, for `{ namespace, key }`, deletes that entry) in every
 *   store of the registry, in any process: an admin script that never ran a `@cached` method
 *   invalidates as well as the application. A write the store does not take waits in the tier's
 *   `Undelivered` list and is retried until it lands (then published on the bus again).
 * - Mark times read from a tier are cached in-process: with a bus, until a bus message or a
 *   resync says otherwise; without a bus, for at most 1 s (another process's invalidation is
 *   seen within a second).
 *
 * Marks are stamped one millisecond ahead, erring on the side of recomputing: an entry whose
 * computation started in the millisecond of an invalidation counts as older than it. Clock
 * skew between processes shifts the cut-off by the skew. The store offers no compare-and-set:
 * two writes of one mark a few milliseconds apart (two processes invalidating the same tag, or
 * one recreating a missing mark) land in either order, and the later stamp may be overwritten
 * by the earlier one; only computations that started within those milliseconds are affected.
 */
import { errorMessage } from '../core/error-message.js';
import { PerRuntime } from '../core/per-runtime.js';
import type { Runtime } from '../core/runtime.js';
import type { InvalidationTarget } from '../core/services.js';
import { HotpathError } from '../errors.js';
import { entryKey, markTtl, namespaceMark, STORE_MARK, tagMark } from './shared-keys.js';
import { FAILED, storeTier, type StoreTier, type TierCaller } from './shared-tier.js';
import type { Invalidation } from './undelivered.js';

let sequence = 0;

/** The next process-wide sequence number (monotonic, for ordering computations and invalidations). */
export function nextSequence(): number {
  return ++sequence;
}

/** How long a mark time read from a shared tier is trusted without a bus. */
const KNOWLEDGE_MS = 1_000;

/**
 * Most invalidated tags remembered in-process (and most mark times cached per tier). Beyond it
 * the older half is forgotten and `floor` rises past them: every tagged L1 entry computed
 * before the floor then counts as invalidated (a recomputation, never a stale value), so
 * per-entity tags (`user:<id>`) cannot grow the process without bound.
 */
const MAX_TAGS = 50_000;

interface Known {
  /** The mark's time. */
  readonly time: number;
  /** When it was read (clock time). */
  readonly at: number;
}

/**
 * A mark read from a tier: its time, whether it was missing (and so created by this read), or
 * {@link FAILED}.
 */
type MarkRead = { readonly time: number; readonly missing: boolean } | typeof FAILED;

/** One tier's cached mark times and the mark reads in flight. */
interface TierKnowledge {
  readonly known: Map<string, Known>;
  readonly reading: Map<string, Promise<MarkRead>>;
}

/** One registry's invalidation bookkeeping. */
export class InvalidationBook {
  readonly #registry: Runtime;
  readonly #seq = new Map<string, number>();
  /** Tagged L1 entries computed at or before this sequence number count as invalidated. */
  #floor = 0;
  readonly #tiers = new Map<StoreTier, TierKnowledge>();

  constructor(registry: Runtime) {
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
   * Invalidates `target`'s tags in-process; with origin `'local'` also writes its marks (and
   * its entry deletion) to every store of the registry, resolving once written or kept for a
   * retry (never rejects). `'remote'`: the sender wrote the stores; forget what we read of them.
   */
  async invalidate(target: InvalidationTarget, origin: 'local' | 'remote'): Promise<void> {
    const tags = target.tags ?? [];
    for (const tag of tags) {
      // Re-inserted, so the map stays in invalidation order (oldest first) for pruning.
      this.#seq.delete(tag);
      this.#seq.set(tag, nextSequence());
    }
    if (this.#seq.size > MAX_TAGS) this.#prune();
    const { namespace, key } = target;
    const invalidations: Invalidation[] = tags.map((tag) => ({
      key: tagMark(tag),
      kind: 'mark',
      target: { tags: [tag] },
    }));
    if (namespace !== undefined) {
      invalidations.push(
        key === undefined
          ? { key: namespaceMark(namespace), kind: 'mark', target: { namespace } }
          : { key: entryKey(namespace, key), kind: 'delete', target: { namespace, key } },
      );
    }
    const marks = invalidations.filter((i) => i.kind === 'mark').map((i) => i.key);
    if (origin === 'remote') {
      for (const { known, reading } of this.#tiers.values()) {
        for (const mark of marks) {
          known.delete(mark);
          reading.delete(mark);
        }
      }
      return;
    }
    if (invalidations.length === 0) return;
    const now = this.#registry.clock.now();
    await Promise.all(
      this.#allTiers().map((tier) => {
        // This process judges with the new time at once; the store gets it (or a later one).
        const { known, reading } = this.#knowledge(tier);
        for (const mark of marks) {
          known.set(mark, { time: now + 1, at: now });
          reading.delete(mark);
        }
        return tier.undelivered.deliver(invalidations);
      }),
    );
  }

  /**
   * Whether an entry created at `created` whose marks are `marks` may be used from `tier`;
   * {@link FAILED} when a mark could not be read (the caller recomputes rather than serve a
   * maybe-stale value, and knows the tier did not answer). An entry judged while one of its
   * marks is found missing is invalid whatever its time: it was computed before that was known.
   * Answered at once, without a promise, when every mark is known (a read's common case).
   * `now`: the clock's time, when the caller has read it already.
   */
  valid(
    tier: StoreTier,
    marks: readonly string[],
    created: number,
    caller: TierCaller,
    now = this.#registry.clock.now(),
  ): boolean | typeof FAILED | Promise<boolean | typeof FAILED> {
    if (created < tier.trustedFrom) return false;
    let reads: Promise<MarkRead>[] | undefined;
    for (let i = 0; i < marks.length; i++) {
      const time = this.#markTime(tier, marks[i]!, caller, now);
      if (typeof time === 'number') {
        if (time > created) return false;
      } else (reads ??= []).push(time);
    }
    // Every mark known (the common case): answered at once, no promise.
    if (reads === undefined) return true;
    return Promise.all(reads).then((answers) => {
      let failed = false;
      for (const read of answers) {
        if (read === FAILED) failed = true;
        else if (read.missing || read.time > created) return false;
      }
      return failed ? FAILED : true;
    });
  }

  /**
   * Reads the marks `marks` of `tier` that are not known yet (creating missing ones), so that a
   * computation starting after it is judged by them; answers whether every read answered (at
   * once, without a promise, when every mark is known). `now`: as for {@link valid}.
   */
  learn(
    tier: StoreTier,
    marks: readonly string[],
    caller: TierCaller,
    now = this.#registry.clock.now(),
  ): boolean | Promise<boolean> {
    let reads: Promise<MarkRead>[] | undefined;
    for (let i = 0; i < marks.length; i++) {
      const time = this.#markTime(tier, marks[i]!, caller, now);
      if (typeof time !== 'number') (reads ??= []).push(time);
    }
    if (reads === undefined) return true;
    return Promise.all(reads).then((answers) => !answers.includes(FAILED));
  }

  /** Forgets every mark time read from shared tiers (after a bus resync). */
  dropLocal(): void {
    for (const { known, reading } of this.#tiers.values()) {
      known.clear();
      reading.clear();
    }
  }

  /** Writes what the stores have not taken yet, once (at shutdown); reports what is lost. */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.#tiers.keys()].map(async (tier) => {
        if (!(await tier.undelivered.flush(true))) tier.undelivered.reportLost();
      }),
    );
  }

  /** The time of `mark` in `tier`: known, or a read of it (one per mark at a time). */
  #markTime(
    tier: StoreTier,
    mark: string,
    caller: TierCaller,
    now: number,
  ): number | Promise<MarkRead> {
    const { known, reading } = this.#knowledge(tier);
    const k = known.get(mark);
    if (k !== undefined && (this.#registry.bus !== undefined || now - k.at < KNOWLEDGE_MS)) {
      return k.time;
    }
    let read = reading.get(mark);
    if (read === undefined) {
      const mine: Promise<MarkRead> = this.#read(tier, mark, caller).then((read) => {
        // Forgotten meanwhile (an invalidation or a resync): the answer may predate it.
        if (reading.get(mark) === mine) {
          reading.delete(mark);
          if (read !== FAILED) known.set(mark, { time: read.time, at: now });
        }
        return read;
      });
      reading.set(mark, (read = mine));
    }
    return read;
  }

  async #read(tier: StoreTier, mark: string, caller: TierCaller): Promise<MarkRead> {
    const raw = await tier.get(mark, caller);
    if (raw === FAILED) return FAILED;
    const time = raw === undefined || raw === null ? Number.NaN : Number(raw);
    if (Number.isFinite(time)) return { time, missing: false };
    // Missing (or unreadable): maybe invalidated and lost, so invalidated now: entries created
    // before this answer are misses, a computation starting from here on is valid. Written for
    // the other processes in the background (a read does not wait for a write); if the write
    // fails, each of them decides the same on its own.
    const stamp = this.#registry.clock.now();
    void tier.set(mark, String(stamp), markTtl(mark), caller);
    return { time: stamp, missing: true };
  }

  /** A retried invalidation landed: judge with its stamp, and tell the other processes again. */
  #replayed(tier: StoreTier, written: readonly Invalidation[], stamp: number): void {
    const { known, reading } = this.#knowledge(tier);
    const now = this.#registry.clock.now();
    const tags: string[] = [];
    const targets: InvalidationTarget[] = [];
    let everything = false;
    for (const invalidation of written) {
      if (invalidation.kind === 'mark') {
        known.set(invalidation.key, { time: stamp, at: now });
        reading.delete(invalidation.key);
      }
      if (invalidation.key === STORE_MARK) everything = true;
      else if (invalidation.target.tags) tags.push(...invalidation.target.tags);
      else targets.push(invalidation.target);
    }
    const bus = this.#registry.bus;
    if (!bus) return;
    if (everything) {
      // Every process must drop its in-process copies and read the marks again.
      this.#announce(() => bus.resync?.());
      return;
    }
    if (tags.length > 0) targets.unshift({ tags });
    for (const target of targets) this.#announce(() => bus.publish(target));
  }

  #announce(send: () => unknown): void {
    Promise.resolve()
      .then(send)
      .catch((error: unknown) =>
        this.#registry.emitError(
          new HotpathError(
            'E_STORE',
            `registry.invalidate: publishing on the bus failed: ${errorMessage(error)}`,
            { cause: error },
          ),
        ),
      );
  }

  /** Every store tier of the registry. */
  #allTiers(): StoreTier[] {
    return Object.keys(this.#registry.stores).map((name) => {
      const tier = storeTier(this.#registry, name)!;
      this.#knowledge(tier);
      return tier;
    });
  }

  #knowledge(tier: StoreTier): TierKnowledge {
    let k = this.#tiers.get(tier);
    if (!k) {
      this.#tiers.set(tier, (k = { known: new Map(), reading: new Map() }));
      tier.undelivered.onReplayed = (written, stamp) => this.#replayed(tier, written, stamp);
    } else if (k.known.size > MAX_TAGS) {
      // A cache of shared-tier reads: forgetting it only costs reads.
      k.known.clear();
    }
    return k;
  }

  #prune(): void {
    let drop = this.#seq.size - MAX_TAGS / 2;
    for (const [tag, seq] of this.#seq) {
      if (drop-- <= 0) break;
      this.#seq.delete(tag);
      if (seq > this.#floor) this.#floor = seq;
    }
  }
}

const books = new PerRuntime((registry) => {
  const b = new InvalidationBook(registry);
  registry.addInvalidator({
    invalidate: (target, origin) => b.invalidate(target, origin),
    dropLocal: () => b.dropLocal(),
  });
  registry.onShutdown(() => b.flush(), 'flush');
  const names = Object.keys(registry.stores);
  if (names.length > 0) {
    registry.section('invalidations', () =>
      Object.fromEntries(
        names.map((name) => [name, storeTier(registry, name)!.undelivered.figures()]),
      ),
    );
  }
  return b;
});

/**
 * The invalidation book of `registry`, created on first use: registered as an invalidator, its
 * undelivered writes flushed by `shutdown()`, its figures in `stats().invalidations` (registries
 * with stores).
 */
export function invalidationBook(registry: Runtime): InvalidationBook {
  return books.get(registry);
}
