/**
 * What a pool made by `pool()` publishes on the `hotpath:event` channel (`decorator: 'pool'`,
 * `pool: <name>`, `method`: the leasing method when there is one, else `pool:<name>`):
 * - `create`, `createFailed` (`{ error }`), `destroy` (`{ reason }`: `idle`, `invalid`,
 *   `fatal`, `lifetime` or `shutdown`);
 * - `acquire` (`{ waitMs, reused }`), `timeout` (`{ waitedMs }`), `full` (`{ waiting }`).
 */
import { eventChannel } from '../core/channels.js';

/** Why a resource left the pool. */
export type DestroyReason = 'idle' | 'invalid' | 'fatal' | 'lifetime' | 'shutdown';

/** Publishes `event` of pool `pool` (for `method`, the leasing method if known) to listeners. */
export function publishPoolEvent(
  pool: string,
  event: string,
  method: string | undefined,
  detail?: Record<string, unknown>,
): void {
  if (!eventChannel.hasSubscribers) return;
  eventChannel.publish({
    decorator: 'pool',
    event,
    method: method ?? `pool:${pool}`,
    pool,
    ...detail,
  });
}
