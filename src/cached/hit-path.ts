/**
 * The memory hit of `@cached` ({@link hitPath}): the invoker every call of a decorated method
 * runs first. What it costs (memory tier, no `ttl`/`tags`): the key, one per-owner state
 * lookup, one LRU `get`, one counter increment, and the value or the settled promise stored
 * with the entry. It allocates nothing on a hit; anything else goes to slow-path.ts.
 */
import type { Call } from '../core/call.js';
import { eventChannel, publishEvent } from '../core/channels.js';
import { argumentKey, entryKey } from '../core/key.js';
import { perSiteCopy } from '../core/per-site-copy.js';
import { PASS, type Invoke, type Shortcut, type SiteInfo } from '../core/site.js';
import type { LruKey } from './lru.js';
import type { Entry } from './memory-tier.js';
import type { ResolvedCachedOptions } from './options.js';
import type { OwnerMemo } from './owner-memo.js';
import { slowPath } from './slow-path.js';

/** What the hit path of one decorated method is built from, once, when its chain compiles. */
export interface HitPathSpec {
  readonly site: SiteInfo;
  readonly opts: ResolvedCachedOptions;
  /** The rest of the layer chain, which ends in the method. */
  readonly inner: Invoke;
  /** The memo of a call's owner (instance scope) or registry (shared scope); may throw. */
  readonly memoOf: (call: Call) => OwnerMemo;
}

/** The invoker of `@cached`: serves a fresh memory hit, hands any other call to `slowPath`. */
export function hitPath({ site, opts, inner, memoOf }: HitPathSpec): Invoke {
  const where = site.name;
  const keyWhere = `@cached on ${where}`;
  const userKey = opts.key;
  const rejects = opts.stores.length > 0 || site.returnsPromise;
  const failed = (error: unknown): unknown => {
    if (rejects) return Promise.reject(error);
    throw error;
  };
  // Only options that need them add work to the hit path (a clock read for `ttl`, a lookup per
  // tag for `tags`).
  const timed = opts.ttlMs !== undefined || opts.tags !== undefined;

  // The hand-over to slowPath, kept out of the hit closure: building the KeyedCall record
  // inline there made a sync hit about 40% slower in bench/cached-sync (measured; the bigger
  // closure most likely stops being inlined). Positional for that reason only.
  const slow = (
    memo: OwnerMemo,
    l1: LruKey,
    raw: boolean,
    call: Call,
    entry: Entry | undefined,
  ): unknown => slowPath({ memo, key: fullKey(l1, raw), l1, raw, call, inner }, entry);

  return (call) => {
    // The L1 key: a lone string argument is its own key, a lone number argument too (a `Map`
    // keeps `1` and `'1'` apart; -0 and 0, NaN and NaN are one key there as in `String()`): no
    // string building or hashing on the hit path. Anything else uses the full key. `raw` tells
    // a raw string from a full key (see Entry.raw).
    const args = call.args;
    let l1: LruKey;
    let raw = false;
    let memo: OwnerMemo;
    try {
      if (userKey !== undefined) l1 = entryKey(userKey.apply(call.instance, args), keyWhere);
      else if (args.length === 1 && typeof args[0] === 'string') {
        l1 = args[0];
        raw = true;
      } else if (args.length === 1 && typeof args[0] === 'number') {
        l1 = args[0];
      } else {
        l1 = argumentKey(args, where);
        // `f('a', undefined)` keys like `f('a')` (`'a`): use the same L1 slot, the raw one;
        // `f(1, undefined)` like `f(1)`: the number's slot.
        if (l1.charCodeAt(0) === 39 /* ' */) {
          l1 = l1.slice(1);
          raw = true;
        } else if (typeof args[0] === 'number' && l1 === String(args[0])) {
          l1 = args[0];
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
          publishEvent('cached', 'hit', site, { tier: 'memory', key: fullKey(l1, raw) });
        return entry.result;
      }
      return slow(memo, l1, raw, call, entry);
    }
    return slow(memo, l1, raw, call, undefined);
  };
}

/**
 * The hit path without a `Call` (the site's shortcut, see `Shortcut` in core/site.ts), for the
 * calls most hits are: one string or number argument, or none, on an owner whose memo exists.
 * It serves a fresh memory hit exactly as {@link hitPath} does (same figures, same event) and
 * passes anything else to the chain, which then finds its way as before (a passed call costs a
 * second L1 lookup; a miss costs far more). Not offered with `key` (the user's function would
 * run twice on a miss) nor with `weak` (a hit may turn out to be a miss).
 *
 * `memoOf(owner)`: the owner's memo if it exists, else `undefined`; never throws (creating a
 * memo may, and is the chain's business).
 */
export function hitShortcut(
  site: SiteInfo,
  opts: ResolvedCachedOptions,
  memoOf: (owner: object) => OwnerMemo | undefined,
): Shortcut | undefined {
  if (opts.key !== undefined || opts.weak) return undefined;
  const timed = opts.ttlMs !== undefined || opts.tags !== undefined;
  // A copy per method, as the wrapper that calls it (core/per-site-copy.ts): inlined there, it
  // then reads entries and memos with this method's own type feedback.
  return perSiteCopy(site, shortcutFactory, site, timed, memoOf, shortcutHelpers);
}

/** What {@link shortcutFactory} uses from this module and its imports. */
interface ShortcutHelpers {
  readonly PASS: typeof PASS;
  readonly eventChannel: typeof eventChannel;
  readonly publishEvent: typeof publishEvent;
  readonly fullKey: typeof fullKey;
}

const shortcutHelpers: ShortcutHelpers = { PASS, eventChannel, publishEvent, fullKey };

/**
 * Makes the shortcut of {@link hitShortcut}. Compiled again from its source for every method
 * (core/per-site-copy.ts), so it uses nothing but its parameters and holds no comments. Its L1
 * keys are hitPath's: a lone string is its own (raw) key, a lone number too, and no argument
 * keys as `[]`.
 */
function shortcutFactory(
  site: SiteInfo,
  timed: boolean,
  memoOf: (owner: object) => OwnerMemo | undefined,
  helpers: ShortcutHelpers,
): Shortcut {
  const { PASS, eventChannel, publishEvent, fullKey } = helpers;
  return (owner, argc, arg) => {
    let l1: LruKey;
    let raw = false;
    if (argc === 0) l1 = '[]';
    else if (typeof arg === 'string') {
      l1 = arg;
      raw = true;
    } else if (typeof arg === 'number') l1 = arg;
    else return PASS;
    const memo = memoOf(owner);
    if (memo === undefined) return PASS;
    const entry = memo.lru.get(l1);
    if (
      entry === undefined ||
      entry.raw !== raw ||
      (timed &&
        !(
          (entry.expires === Number.POSITIVE_INFINITY || memo.clock.now() < entry.expires) &&
          (entry.tags === undefined || !memo.cache.book.invalidatedSince(entry.tags, entry.seq))
        ))
    ) {
      return PASS;
    }
    memo.figures.memoryHits++;
    if (eventChannel.hasSubscribers)
      publishEvent('cached', 'hit', site, { tier: 'memory', key: fullKey(l1, raw) });
    return entry.result;
  };
}

/** The full key of an L1 key: what {@link argumentKey} returns for the same arguments. */
function fullKey(l1: LruKey, raw: boolean): string {
  if (typeof l1 === 'number') return String(l1);
  return raw ? `'${l1}` : l1;
}
