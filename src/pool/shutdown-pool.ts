/**
 * `pool.shutdown(options)`: the options checked, then the pool closed with a deadline, past
 * which the leases still out are destroyed under their callers.
 */
import { MAX_TIMER_MS } from '../core/clock.js';
import { checkOptionsObject, durationOption, type Duration } from '../core/options.js';
import { CLOSE, FORCE } from './internal.js';
import type { ResourcePool } from './resource-pool.js';

/** What `pool.shutdown()` resolves with. */
export interface PoolShutdownReport {
  /** Leases still out at the timeout, whose resources were destroyed under their callers. */
  abandoned: number;
}

/** How long `pool.shutdown()` waits for leases to come back by default. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Shuts `pool` down within `options.timeout` and resolves with `report()` once it is closed.
 * Throws (synchronously) the house-form `TypeError` for bad options.
 */
export function shutdownPool<T>(
  pool: ResourcePool<T>,
  options: { timeout?: Duration } | undefined,
  report: () => PoolShutdownReport,
): Promise<PoolShutdownReport> {
  const where = { where: `shutdown() of pool '${pool.name}'` };
  checkOptionsObject(where, options, ['timeout']);
  const timeoutMs = durationOption(where, 'timeout', options?.timeout, SHUTDOWN_TIMEOUT_MS, {
    positive: true,
    max: MAX_TIMER_MS,
  });
  return shutdownWithin(pool, timeoutMs, report);
}

async function shutdownWithin<T>(
  pool: ResourcePool<T>,
  timeoutMs: number,
  report: () => PoolShutdownReport,
): Promise<PoolShutdownReport> {
  const closing = pool[CLOSE]();
  // A referenced timer: a process whose last work is a lease that never ends must still
  // see shutdown() resolve.
  const timer = setTimeout(() => pool[FORCE](), timeoutMs);
  try {
    await closing;
  } finally {
    clearTimeout(timer);
  }
  return report();
}
