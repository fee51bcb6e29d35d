/**
 * How a Bottleneck limiter's Redis connections are closed, by its engine when the registry stops
 * it and by the registry for an instance given in `limiters` (it belongs to the registry).
 */
import { withDeadline } from '../core/deadline.js';

/**
 * Closes the connections of a Bottleneck limiter (anything with `disconnect(flush)`; a no-op
 * for other objects): QUIT within `ms`, else the sockets are dropped, because a frozen Redis
 * never answers QUIT and an open socket keeps the process alive. Never rejects.
 */
export async function disconnectLimiter(limiter: object, ms: number): Promise<void> {
  const { disconnect } = limiter as { disconnect?: unknown };
  if (typeof disconnect !== 'function') return;
  const close = async (flush: boolean): Promise<unknown> =>
    (disconnect as (flush: boolean) => unknown).call(limiter, flush);
  const quit = await withDeadline(
    close(true).then(
      () => true,
      () => false,
    ),
    ms,
  );
  if (quit !== true) await close(false).catch(() => undefined);
}
