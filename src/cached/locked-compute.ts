/**
 * Distributed single flight for `@cached` methods with `distributedLock`
 * ({@link lockedCompute}): one process computes a key; the others poll the shared tiers for
 * its value. Every lock operation is bounded by `storeTimeout` and fails open (the call
 * computes without the lock, the failure goes to the registry's `error` event).
 */
import { eventChannel, publishEvent } from '../core/channels.js';
import { errorMessage } from '../core/error-message.js';
import { HotpathError } from '../errors.js';
import { bounded } from './bounded.js';
import { computeShared } from './compute-shared.js';
import type { KeyedCall } from './keyed-call.js';
import type { MethodCache } from './method-cache.js';
import { readShared } from './shared-entries.js';
import { FAILED } from './shared-tier.js';

/**
 * Distributed single flight: one process computes; the others poll the shared tiers for its
 * value, for up to `wait`. A poll that cannot read the shared tiers (failed, timed out,
 * skipped by the breaker) ends the wait at once: a dead store must not hold a caller longer
 * than `storeTimeout` plus the method, and the holder's value could not be read back anyway.
 * The same bound holds for the holder: its write and release do not delay its caller.
 */
export async function lockedCompute(req: KeyedCall, current: () => boolean): Promise<unknown> {
  const { memo, key, l1, raw } = req;
  const cache = memo.cache;
  const opts = cache.opts;
  const lockOpts = opts.lock!;
  const lock = cache.registry.lock!;
  const lockKey = cache.lockKey(key);
  const clock = memo.clock;
  let release: (() => Promise<void>) | null | undefined;
  try {
    release = await bounded(
      () => lock.acquire(lockKey, lockOpts.ttlMs),
      opts.storeTimeoutMs,
      clock,
    );
  } catch (error) {
    // Fail open: without the lock, compute here.
    lockFailed(cache, 'acquire', error);
    release = undefined;
  }
  if (release === null) {
    memo.figures.lockWaits++;
    if (eventChannel.hasSubscribers) publishEvent('cached', 'lock-wait', cache.site, { key });
    const deadline = clock.now() + lockOpts.waitMs;
    while (clock.now() < deadline) {
      const pause = Math.min(lockOpts.pollMs, deadline - clock.now());
      await new Promise<void>((resolve) => clock.setTimeout(resolve, pause));
      const found = await readShared(cache, key, raw);
      if (found === FAILED) {
        memo.figures.lockWaitsAbandoned++;
        if (eventChannel.hasSubscribers)
          publishEvent('cached', 'lock-wait-abandoned', cache.site, { key });
        return computeShared(req, current);
      }
      if (found?.fresh) {
        memo.figures.storeHits[found.tier]!++;
        if (eventChannel.hasSubscribers)
          publishEvent('cached', 'hit', cache.site, { tier: found.tier, key });
        if (current()) memo.lru.set(l1, found.entry);
        return found.entry.value;
      }
    }
    memo.figures.lockWaitTimeouts++;
    return computeShared(req, current);
  }
  if (release === undefined) return computeShared(req, current);
  // The holder's caller gets its value as soon as the method returns. Writing the value for
  // the waiting processes, then giving the lock back, goes on in the background (in that
  // order: released first, the lock would let another process compute again before the value
  // is readable), each step bounded by storeTimeout and tracked for shutdown. A Redis that
  // freezes while this process holds the lock thus costs the caller nothing past the
  // acquire, which storeTimeout bounds (awaiting the write and the release cost it
  // 2 × storeTimeout more).
  let writes: Promise<boolean> | undefined;
  try {
    return await computeShared(req, current, (w) => (writes = w));
  } finally {
    const r = release;
    const giveBack = (): Promise<unknown> =>
      bounded(() => r(), opts.storeTimeoutMs, clock, false).catch((error: unknown) =>
        lockFailed(cache, 'release', error),
      );
    // Nothing to write (the method failed, or the value is not cached): release at once.
    cache.track(
      writes === undefined
        ? giveBack()
        : writes.then((taken) => (taken ? undefined : againForWaiters(req))).then(giveBack),
    );
  }
}

/**
 * The lock holder's value was taken by no tier: one of its marks was missing when it was
 * written (the first use of a tag, or bookkeeping the store lost) and is now newer than the
 * computation. Computes it once more, still under the lock, for the processes polling for
 * it, rather than leave them waiting until `wait` runs out. Runs as the key's refresh (an
 * invalidation of the key meanwhile drops its result). Never rejects.
 */
async function againForWaiters(req: KeyedCall): Promise<void> {
  const { memo, key } = req;
  const token = {};
  memo.refreshing.set(key, token);
  const current = (): boolean => memo.refreshing.get(key) === token;
  let writes: Promise<boolean> | undefined;
  try {
    await computeShared(req, current, (w) => (writes = w));
    await writes;
  } catch (error) {
    memo.cache.registry.emitError(error, { decorator: 'cached', method: memo.cache.site.name });
  } finally {
    if (current()) memo.refreshing.delete(key);
  }
}

/** Reports a failed lock operation (`E_STORE` on the registry's `error` event); the call goes on without the lock. */
function lockFailed(cache: MethodCache, op: 'acquire' | 'release', error: unknown): void {
  const method = cache.site.name;
  cache.registry.emitError(
    new HotpathError(
      'E_STORE',
      `@cached on ${method}: distributed lock ${op} failed: ${errorMessage(error)}`,
      { cause: error },
    ),
    { decorator: 'cached', method },
  );
}
