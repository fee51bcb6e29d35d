/**
 * A `@cached` miss without shared tiers ({@link missLocal}): the method runs once per key at a
 * time (an asynchronous one's promise is the key's flight, which concurrent calls join), and
 * its value (sync) or fulfilment (async) goes to the memory tier.
 */
import { eventChannel, publishEvent } from '../core/channels.js';
import { isThenable } from '../core/thenable.js';
import type { KeyedCall } from './keyed-call.js';
import type { Entry } from './memory-tier.js';

/**
 * Runs the method for `req`; caches its value (sync) or its fulfilment (async). A failure is
 * never cached: `stale` stands in for it if `staleIfError` allows, else it goes to the caller.
 */
export function missLocal(req: KeyedCall, stale: Entry | undefined): unknown {
  const { memo, key, l1, call, inner } = req;
  const cache = memo.cache;
  memo.figures.misses++;
  if (eventChannel.hasSubscribers) publishEvent('cached', 'miss', cache.site, { key });
  const started = cache.start();
  let result: unknown;
  try {
    result = inner(call);
  } catch (error) {
    if (cache.staleForError(stale, key)) return stale!.result;
    throw error;
  }
  if (!isThenable(result)) {
    const entry = cache.entryFor(req, started, result, false);
    if (entry) memo.lru.set(l1, entry);
    return result;
  }
  const flight: Promise<unknown> = Promise.resolve(result).then(
    (value) => {
      // Still this key's flight: no invalidation of the key (or clear) meanwhile.
      if (memo.inflight.get(key) === flight) {
        memo.inflight.delete(key);
        const entry = cache.entryFor(req, started, value, true);
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
