/**
 * Whether a resource of a `ResourcePool` may be lent (again): its age against `maxLifetime`,
 * the pool's `validate` before an idle resource is lent, its `isFatal` after a lease failed.
 * Each says no by counting the resource in the figures and recording why it is destroyed.
 */
import { performance } from 'node:perf_hooks';
import { isThenable } from '../core/thenable.js';
import type { ResolvedPoolOptions } from './options.js';
import type { DestroyReason } from './pool-events.js';
import type { PoolCounters } from './pool-stats.js';

/** What the checks read, and count and record into: a pool's own bookkeeping. */
export interface ResourceChecks<T> {
  readonly options: ResolvedPoolOptions<T>;
  readonly counters: PoolCounters;
  /** Creation time (performance.now()) and leases so far, per open resource. */
  readonly born: Map<T, { at: number; leases: number }>;
  /** Why a resource hotpath is destroying leaves (tarn's reaper destroys the idle ones). */
  readonly reasons: Map<T, DestroyReason>;
}

/** Is `resource` older than `maxLifetime`? */
export function isExpired<T>(checks: ResourceChecks<T>, resource: T): boolean {
  if (checks.options.maxLifetimeMs === Number.POSITIVE_INFINITY) return false;
  const born = checks.born.get(resource);
  return born !== undefined && performance.now() - born.at >= checks.options.maxLifetimeMs;
}

/**
 * tarn's `validate`, run before an idle resource is lent: false (the resource is destroyed)
 * when it is past its lifetime, or when the pool's `validate` says no, throws or rejects.
 */
export function validateIdle<T>(
  checks: ResourceChecks<T>,
  resource: T,
): boolean | Promise<boolean> {
  if (isExpired(checks, resource)) {
    checks.counters.expired++;
    checks.reasons.set(resource, 'lifetime');
    return false;
  }
  const validate = checks.options.validate;
  if (validate === undefined) return true;
  const invalid = (): false => {
    checks.counters.invalid++;
    checks.reasons.set(resource, 'invalid');
    return false;
  };
  let result: boolean | PromiseLike<boolean>;
  try {
    result = validate(resource);
  } catch {
    return invalid();
  }
  if (!isThenable(result)) return result === true || invalid();
  return Promise.resolve(result).then(
    (ok) => ok === true || invalid(),
    () => invalid(),
  );
}

/**
 * Does `error`, which ended a lease of `resource`, poison it (the pool's `isFatal`, which must
 * be set)? A throwing `isFatal` is reported to `onError` and counts as yes.
 */
export function isFatalTo<T>(
  checks: ResourceChecks<T>,
  error: unknown,
  resource: T,
  onError: (error: unknown) => void,
): boolean {
  try {
    return checks.options.isFatal!(error, resource) === true;
  } catch (isFatalError) {
    // Unsure whether the resource is sound: do not lend it again.
    onError(new Error(`isFatal() threw: ${String(isFatalError)}`, { cause: isFatalError }));
    return true;
  }
}
