/**
 * A `@cached` miss with shared tiers ({@link missShared}): one flight per key in this process
 * reads the tiers (a fresh entry is a hit, a stale one may be served while it is refreshed)
 * and otherwise computes, under the distributed lock when the method has one.
 */
import { eventChannel, publishEvent } from '../core/channels.js';
import { computeShared } from './compute-shared.js';
import type { KeyedCall } from './keyed-call.js';
import { lockedCompute } from './locked-compute.js';
import type { Entry } from './memory-tier.js';
import { refresh } from './refresh.js';
import { readShared } from './shared-entries.js';
import { FAILED } from './shared-tier.js';

/**
 * A miss with shared tiers: read them, else run the method (under the distributed lock if
 * set), as the key's flight, which concurrent calls of this process join. The flight's results
 * go to the memory tier only while it is still the key's flight (an invalidation drops it).
 */
export function missShared(req: KeyedCall, stale: Entry | undefined): Promise<unknown> {
  const { memo, key } = req;
  const ticket: { flight?: Promise<unknown> } = {};
  // Inline, not a named constant: tsx (the benches, the tests) names every named closure with
  // a defineProperty call, which cost about 0.3 µs a read here.
  const flight = loadShared(req, stale, () => memo.inflight.get(key) === ticket.flight);
  ticket.flight = flight;
  memo.inflight.set(key, flight);
  return flight;
}

async function loadShared(
  req: KeyedCall,
  stale: Entry | undefined,
  current: () => boolean,
): Promise<unknown> {
  try {
    const { memo, key, l1, raw } = req;
    const cache = memo.cache;
    const site = cache.site;
    const found = await readShared(cache, key, raw);
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
      if (memo.clock.now() < found.entry.expires + cache.opts.swrMs) {
        memo.figures.staleServed++;
        if (eventChannel.hasSubscribers)
          publishEvent('cached', 'stale', site, { key, reason: 'revalidate' });
        if (current()) memo.lru.set(l1, found.entry);
        refresh(req);
        return found.entry.value;
      }
      if (stale === undefined || found.entry.expires > stale.expires) stale = found.entry;
    }
    memo.figures.misses++;
    if (eventChannel.hasSubscribers) publishEvent('cached', 'miss', site, { key });
    try {
      if (cache.opts.lock && !unreadable) return await lockedCompute(req, current);
      return await computeShared(req, current);
    } catch (error) {
      if (cache.staleForError(stale, key)) return stale!.value;
      throw error;
    }
  } finally {
    // The flight is over: later calls read again (unless an invalidation replaced it already).
    if (current()) req.memo.inflight.delete(req.key);
  }
}
