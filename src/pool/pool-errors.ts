/**
 * The errors a pool made by `pool()` rejects acquires with, and throws at a resource it has not
 * lent. Each names the pool, and the leasing method when there is one.
 */
import { configError, describeValue } from '../core/options.js';
import { HotpathError, PoolTimeoutError } from '../errors.js';
import { poolSite } from './options.js';

/** `'<method>: '`, or nothing for an acquire by hand. */
function forMethod(method: string | undefined): string {
  return method === undefined ? '' : `${method}: `;
}

/** `E_SHUTDOWN`: the pool is shut down (or shutting down) and lends nothing more. */
export function poolShutdownError(pool: string, method: string | undefined): HotpathError {
  return new HotpathError(
    'E_SHUTDOWN',
    `${forMethod(method)}pool '${pool}' has been shut down and lends no more resources`,
  );
}

/** A full pool, as {@link poolFullError} describes it. */
export interface PoolFull {
  pool: string;
  method: string | undefined;
  max: number;
  waiting: number;
  maxWaiting: number;
}

/** `E_POOL_FULL`: every resource is lent and `maxWaiting` callers already wait. */
export function poolFullError(full: PoolFull): HotpathError {
  return new HotpathError(
    'E_POOL_FULL',
    `${forMethod(full.method)}pool '${full.pool}' has all ${full.max} resources lent and ${full.waiting} callers waiting (maxWaiting ${full.maxWaiting}): refused at once`,
  );
}

/** An acquire that timed out, as {@link poolTimeoutError} describes it. */
export interface PoolTimeout {
  pool: string;
  method: string | undefined;
  acquireTimeoutMs: number;
  waitedMs: number;
  lent: number;
  max: number;
  /** Other callers still waiting. */
  waiting: number;
  /** tarn's `TimeoutError`. */
  cause: Error;
}

/** `PoolTimeoutError` (`E_POOL_TIMEOUT`): no resource within `acquireTimeout`. */
export function poolTimeoutError(timeout: PoolTimeout): PoolTimeoutError {
  const { cause, waitedMs } = timeout;
  const unknown = cause.message === 'operation timed out for an unknown reason';
  return new PoolTimeoutError(
    `${forMethod(timeout.method)}pool '${timeout.pool}' lent no resource within ${timeout.acquireTimeoutMs} ms (acquireTimeout; waited ${Math.round(waitedMs)} ms): ${timeout.lent} of ${timeout.max} lent, ${timeout.waiting} other callers waiting` +
      (unknown ? '' : `; creating one failed: ${cause.message}`),
    timeout.pool,
    waitedMs,
    { cause },
  );
}

/** The `TypeError` of `release()` or `destroy()` given a resource the pool has not lent. */
export function notLentError(pool: string, operation: string, resource: unknown): TypeError {
  return configError(
    poolSite(pool),
    `${operation}() got ${describeValue(resource)}, which this pool has not lent (given back twice?)`,
  );
}

/** A registry given a pool another registry holds already (as `current`). */
export function adoptedTwiceError(key: string, current: string): TypeError {
  return configError(
    { where: 'createHotpath' },
    `\`pools.${key}\` already belongs to a registry (as '${current}'): a pool is shut down with the registry that holds it, so it can belong to one only`,
  );
}

/** A registry given, under `key`, a pool named otherwise (`named`). */
export function misnamedPoolError(key: string, named: string): TypeError {
  return configError(
    { where: 'createHotpath' },
    `\`pools.${key}\` is a pool named '${named}': resource('${key}') would not find it; name it '${key}' or leave its name out`,
  );
}
