/**
 * Every `@cached` call but a fresh memory hit ({@link slowPath}): an entry invalidated by a
 * tag is dropped, a stale one is served while it may be (`staleWhileRevalidate`, with one
 * background refresh), a call for a key already being computed joins that computation (single
 * flight), and anything else is a miss, without or with shared tiers.
 */
import { eventChannel, publishEvent } from '../core/channels.js';
import type { KeyedCall } from './keyed-call.js';
import type { Entry } from './memory-tier.js';
import { missLocal } from './miss-local.js';
import { missShared } from './miss-shared.js';
import { refresh } from './refresh.js';

/**
 * Serves `req`, which found `entry` in memory but not fresh (or found nothing): stale serving,
 * coalescing, the shared tiers, the method.
 */
export function slowPath(req: KeyedCall, entry: Entry | undefined): unknown {
  const { memo, key, l1 } = req;
  const cache = memo.cache;
  const site = cache.site;
  let stale: Entry | undefined;
  if (entry !== undefined) {
    if (entry.tags !== undefined && cache.book.invalidatedSince(entry.tags, entry.seq)) {
      memo.lru.delete(l1);
    } else {
      const now = memo.clock.now();
      if (now < entry.staleUntil) stale = entry;
      if (now < entry.expires + cache.opts.swrMs) {
        memo.figures.staleServed++;
        if (eventChannel.hasSubscribers)
          publishEvent('cached', 'stale', site, { key, reason: 'revalidate' });
        refresh(req);
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
  if (cache.tiers.length > 0) return missShared(req, stale);
  return missLocal(req, stale);
}
