/**
 * The background refresh of `@cached` (`staleWhileRevalidate`, {@link refresh}): a caller
 * served a stale value starts at most one refresh per key; its result replaces the entry unless
 * the key was invalidated meanwhile.
 */
import { eventChannel, publishEvent } from '../core/channels.js';
import { isThenable } from '../core/thenable.js';
import { computeShared } from './compute-shared.js';
import type { KeyedCall } from './keyed-call.js';

/**
 * One background refresh per key (`staleWhileRevalidate`): the caller already has the stale
 * value; success replaces it, failure keeps it and goes to the registry's `error` event.
 */
export function refresh(req: KeyedCall): void {
  const { memo, key, l1, call, inner } = req;
  if (memo.refreshing.has(key)) return;
  const cache = memo.cache;
  const token = {};
  memo.refreshing.set(key, token);
  memo.figures.refreshes++;
  if (eventChannel.hasSubscribers) publishEvent('cached', 'refresh', cache.site, { key });
  const current = (): boolean => memo.refreshing.get(key) === token;
  const finish = (): void => {
    if (current()) memo.refreshing.delete(key);
  };
  const work: Promise<unknown> =
    cache.tiers.length > 0
      ? computeShared(req, current)
      : // A microtask, so that a synchronous method's refresh runs after the caller got the stale value.
        Promise.resolve().then(async () => {
          const started = cache.start();
          const result = inner(call);
          const async = isThenable(result);
          const value = async ? await result : result;
          if (current()) {
            const entry = cache.entryFor(req, started, value, async);
            if (entry) memo.lru.set(l1, entry);
          }
        });
  cache.track(
    work.then(finish, (error: unknown) => {
      finish();
      memo.figures.refreshErrors++;
      if (eventChannel.hasSubscribers)
        publishEvent('cached', 'refresh-error', cache.site, { key, error });
      cache.registry.emitError(error, { decorator: 'cached', method: cache.site.name });
    }),
  );
}
