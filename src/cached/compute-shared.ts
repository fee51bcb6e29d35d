/**
 * The computation of a `@cached` method with shared tiers ({@link computeShared}): a miss's,
 * a lock holder's, a background refresh's. The value goes to the memory tier at once and to
 * the shared tiers in the background.
 */
import type { KeyedCall } from './keyed-call.js';
import { writeShared } from './shared-entries.js';

/**
 * Runs the method and stores its value in L1 (if the flight is still `current`) and, in the
 * background, the shared tiers; `onWrites` receives those writes, resolving whether every
 * tier took the value (the lock holder releases after them).
 */
export async function computeShared(
  req: KeyedCall,
  current: () => boolean,
  onWrites?: (writes: Promise<boolean>) => void,
): Promise<unknown> {
  const { memo, key, l1, call, inner } = req;
  const cache = memo.cache;
  const started = cache.start();
  const value = await inner(call);
  if (!current()) return value;
  const entry = cache.entryFor(req, started, value, true);
  if (entry) {
    memo.lru.set(l1, entry);
    const writes = writeShared(cache, key, entry, cache.tiers.length);
    cache.track(writes);
    onWrites?.(writes);
  }
  return value;
}
