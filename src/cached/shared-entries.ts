/**
 * An `@cached` method's entries in its shared tiers (L2): reading down the tiers
 * ({@link readShared}) and writing to them ({@link writeShared}), each entry judged against its
 * invalidation marks (invalidation-book.ts) and stored in its shared form (entry-format.ts).
 * The paths of `@cached` decide when to read and write; this module knows how.
 */
import { eventChannel, publishEvent } from '../core/channels.js';
import { errorMessage } from '../core/error-message.js';
import { HotpathError } from '../errors.js';
import { bounded } from './bounded.js';
import { decodeEntry, encodeEntry, type EntryParts } from './entry-format.js';
import { nextSequence } from './invalidation-book.js';
import { Entry } from './memory-tier.js';
import type { MethodCache } from './method-cache.js';
import { FAILED, type StoreTier } from './shared-tier.js';

/** A usable entry read from a shared tier. */
export interface Found {
  readonly entry: Entry;
  readonly tier: string;
  readonly fresh: boolean;
}

/**
 * Writes an entry to the shared tiers `0..upTo-1` in the background (never rejects; failures
 * are reported; nobody awaits the writes, so their timeouts do not keep the process alive).
 * A tier where the entry is already invalid (a mark newer than its creation, as this process
 * knows or reads the marks) does not get it: nobody could use it. Resolves whether every
 * tier took it or failed for its own reasons (false: a mark made it invalid somewhere).
 */
export async function writeShared(
  cache: MethodCache,
  key: string,
  entry: Entry,
  upTo: number,
): Promise<boolean> {
  let text: string;
  try {
    text = encodeEntry(entry, cache.opts.version);
  } catch (error) {
    reportCodec(cache, { op: 'encode', key, error });
    return true;
  }
  const ttl = Number.isFinite(entry.staleUntil) ? entry.staleUntil - cache.clock.now() : undefined;
  if (ttl !== undefined && ttl <= 0) return true;
  const marks = cache.marksOf(entry.tags);
  const written = await Promise.all(
    cache.tiers.slice(0, upTo).map(async (tier) => {
      const valid = await cache.book.valid(tier, marks, entry.created, cache.caller);
      if (valid === false) return false;
      if (valid === true) {
        await tier.set(cache.sharedKey(key), text, ttl, cache.caller);
      }
      return true;
    }),
  );
  return !written.includes(false);
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
export function readShared(
  cache: MethodCache,
  key: string,
  raw: boolean,
): Promise<Found | typeof FAILED | undefined> {
  const read: TierRead = { cache, key, raw, seq: nextSequence() };
  if (cache.tiers.length !== 1) return readDown(read);
  // One tier (the common case): its answer as it is, without the loop's async frame and await
  // (what readDown answers for one tier, measured: about 0.1 µs of a read).
  try {
    return readTier(read, 0).then(undefined, () => abandoned(cache));
  } catch {
    return Promise.resolve(abandoned(cache));
  }
}

/** A tier's read went over budget: a miss for this caller ({@link readShared}). */
function abandoned(cache: MethodCache): typeof FAILED {
  cache.figures.storeReadsAbandoned++;
  return FAILED;
}

/** {@link readShared} down several tiers. */
async function readDown(read: TierRead): Promise<Found | typeof FAILED | undefined> {
  const { cache, key } = read;
  let failed = false;
  for (let i = 0; i < cache.tiers.length; i++) {
    let found: TierAnswer;
    try {
      found = await readTier(read, i);
    } catch {
      // Over budget: a miss for this caller. The operations still running finish (and
      // report their own failures) in the background.
      abandoned(cache);
      failed = true;
      continue;
    }
    if (found === FAILED) failed = true;
    else if (found) {
      if (i > 0) cache.track(writeShared(cache, key, found.entry, i));
      return found;
    }
  }
  return failed ? FAILED : undefined;
}

/** One read down the tiers: what each tier's read needs. */
interface TierRead {
  readonly cache: MethodCache;
  readonly key: string;
  readonly raw: boolean;
  /** The sequence number an entry found gets (taken when the read started). */
  readonly seq: number;
}

type TierAnswer = Found | typeof FAILED | undefined;

/**
 * One tier's read, bounded as a whole by `storeTimeout` (rejects when over). The common read
 * (every mark known, no invalidation waiting to be written) is one store operation, which is
 * bounded by that timeout itself: no second bound around it, and no promise for the marks.
 */
function readTier(read: TierRead, i: number): Promise<TierAnswer> {
  const { cache, key } = read;
  const tier = cache.tiers[i]!;
  const started = cache.clock.now();
  // Checked before `get`, which writes them first (one more operation: bound the whole).
  const waiting = tier.undelivered.size > 0;
  const reading = tier.get(cache.sharedKey(key), cache.caller);
  // The store's and the namespace's marks, in parallel with the entry: known (or created, when
  // missing) before the caller computes, so a value computed after a miss can be written.
  const learning = cache.book.learn(tier, cache.marksOf(undefined), cache.caller, started);
  if (learning === true && !waiting) {
    return reading.then((text) => {
      const answer = judge(read, tier, text, true);
      if (!(answer instanceof Promise)) return answer;
      // Marks of the entry's tags to read: within what is left of the budget.
      const left = cache.opts.storeTimeoutMs - (cache.clock.now() - started);
      return bounded(
        () => answer,
        Math.max(0, Math.min(left, cache.opts.storeTimeoutMs)),
        cache.clock,
      );
    });
  }
  return bounded(
    async () => judge(read, tier, await reading, learning === true ? true : await learning),
    cache.opts.storeTimeoutMs,
    cache.clock,
  );
}

/** What the tier's answer `text` is worth: an entry, a miss, or {@link FAILED}. */
function judge(
  read: TierRead,
  tier: StoreTier,
  text: unknown,
  learned: boolean,
): TierAnswer | Promise<TierAnswer> {
  const { cache, key } = read;
  if (text === FAILED) return FAILED;
  if (text === undefined || text === null) return learned ? undefined : FAILED;
  let parts: EntryParts;
  try {
    parts = decodeEntry(text);
  } catch (error) {
    reportCodec(cache, { op: 'decode', key, error, store: tier.name });
    return undefined;
  }
  // Written by another version of the method: its value may have another shape.
  if (parts.version !== cache.opts.version) return undefined;
  const now = cache.clock.now();
  if (now >= parts.staleUntil) return undefined;
  const marks = cache.marksOf(parts.tags);
  const valid = cache.book.valid(tier, marks, parts.created, cache.caller, now);
  if (valid instanceof Promise) {
    return valid.then((v) => usable(read, tier, parts, v, cache.clock.now()));
  }
  return usable(read, tier, parts, valid, now);
}

/** The entry `parts` read from `tier`, if its marks (`valid`) let it be used. */
function usable(
  { raw, seq }: TierRead,
  tier: StoreTier,
  parts: EntryParts,
  valid: boolean | typeof FAILED,
  now: number,
): TierAnswer {
  if (valid === FAILED) return FAILED;
  if (!valid) return undefined;
  const entry = new Entry({
    result: Promise.resolve(parts.value),
    value: parts.value,
    expires: parts.expires,
    staleUntil: parts.staleUntil,
    seq,
    created: parts.created,
    tags: parts.tags,
    raw,
  });
  return { entry, tier: tier.name, fresh: now < parts.expires };
}

/** A value the codec could not encode (for any tier) or decode (read from `store`). */
type CodecFailure =
  | { readonly op: 'encode'; readonly key: string; readonly error: unknown }
  | {
      readonly op: 'decode';
      readonly key: string;
      readonly error: unknown;
      readonly store: string;
    };

/** Reports a value the codec could not encode or decode (`E_STORE`). */
function reportCodec(cache: MethodCache, failure: CodecFailure): void {
  const { key, error } = failure;
  const store = failure.op === 'decode' ? failure.store : undefined;
  const what =
    failure.op === 'encode'
      ? 'cannot be encoded for the shared tiers'
      : `read from store '${store}' cannot be decoded`;
  const err = new HotpathError(
    'E_STORE',
    `@cached on ${cache.site.name}: the value of key ${key} ${what}: ${errorMessage(error)}`,
    {
      cause: error,
    },
  );
  cache.registry.emitError(err, {
    decorator: 'cached',
    method: cache.site.name,
    store: store ?? cache.opts.stores[0],
  });
  if (eventChannel.hasSubscribers)
    publishEvent('cached', 'store-error', cache.site, { store, key, error: err });
}
