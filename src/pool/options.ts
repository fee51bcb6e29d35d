/**
 * Options of `pool()` and `objectPool()`, validated when the pool is defined (not at its first
 * lease), in the house message form:
 *
 *     pool 'db': `max` must be a positive integer, got 0
 */
import { MAX_TIMER_MS } from '../core/clock.js';
import {
  checkOptionsObject,
  configError,
  durationOption,
  functionOption,
  integerOption,
  optionError,
  stringOption,
  type Duration,
  type OptionSite,
} from '../core/options.js';

/** Options of {@link pool}: how resources are made, checked, bounded and retired. */
export interface PoolOptions<T> {
  /**
   * Makes one resource (opens a connection). May return a promise. Required. A rejection (or
   * a create that outlasts `createTimeout`) is retried while callers wait, until their
   * `acquireTimeout`; the `PoolTimeoutError` they get then carries the last create error as
   * its `cause`.
   */
  create: () => T | PromiseLike<T>;
  /** Closes one resource (`client.end()`). May return a promise. Required. */
  destroy: (resource: T) => unknown;
  /**
   * Checked before a resource is lent (a fresh one included): `false` (or a rejection, or a
   * throw) destroys it and lends another. May be async, e.g. a `SELECT 1`: that round trip is
   * then paid on every lease.
   *
   * @default undefined (every resource is valid)
   */
  validate?: (resource: T) => boolean | PromiseLike<boolean>;
  /**
   * Whether an error thrown by the code holding a lease poisons the resource (a connection the
   * server closed, a broken protocol state): `true` destroys it instead of putting it back.
   *
   * @default undefined (no error does; `validate` still checks it before the next lease)
   */
  isFatal?: (error: unknown, resource: T) => boolean;
  /**
   * Resources kept open even when idle (never reaped below it).
   *
   * @default 0
   */
  min?: number;
  /**
   * Resources open at most, lent or idle.
   *
   * @default 10
   */
  max?: number;
  /**
   * How long a caller waits for a resource before `PoolTimeoutError` (`E_POOL_TIMEOUT`); the
   * wait includes creating and validating one.
   *
   * @default '30s'
   */
  acquireTimeout?: Duration;
  /**
   * How long one `create()` may take before it counts as failed (and is retried).
   *
   * @default '30s'
   */
  createTimeout?: Duration;
  /**
   * An idle resource beyond `min` is destroyed after this long unused.
   *
   * @default '30s'
   */
  idleTimeout?: Duration;
  /**
   * A resource older than this is destroyed instead of lent or put back (servers and proxies
   * drop old connections; rotating them spreads reconnects).
   *
   * @default undefined (no limit)
   */
  maxLifetime?: Duration;
  /**
   * Callers that may wait while every resource is lent; one more is refused at once with
   * `HotpathError` `E_POOL_FULL` instead of queueing (load shedding).
   *
   * @default undefined (unbounded)
   */
  maxWaiting?: number;
  /**
   * Name in messages, figures and events.
   *
   * @default the key under `createHotpath({ pools })`, else `'pool'`
   */
  name?: string;
}

/** {@link PoolOptions} after validation: durations in whole milliseconds, defaults filled. */
export interface ResolvedPoolOptions<T> {
  readonly create: () => T | PromiseLike<T>;
  readonly destroy: (resource: T) => unknown;
  readonly validate: ((resource: T) => boolean | PromiseLike<boolean>) | undefined;
  readonly isFatal: ((error: unknown, resource: T) => boolean) | undefined;
  readonly min: number;
  readonly max: number;
  readonly acquireTimeoutMs: number;
  readonly createTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxLifetimeMs: number;
  readonly maxWaiting: number;
  readonly name: string | undefined;
}

const POOL_KEYS = [
  'create',
  'destroy',
  'validate',
  'isFatal',
  'min',
  'max',
  'acquireTimeout',
  'createTimeout',
  'idleTimeout',
  'maxLifetime',
  'maxWaiting',
  'name',
] as const;

/** `pool 'db'` (or `pool` before it has a name): where pool messages say they come from. */
export function poolSite(name: string | undefined): OptionSite {
  return { where: name === undefined ? 'pool' : `pool '${name}'` };
}

/** Durations bounding one operation: past Node's timer limit they would bound nothing. */
function timeoutOption(site: OptionSite, option: string, value: unknown, fallback: number): number {
  // tarn takes whole milliseconds; rounding up never shortens a bound.
  return Math.ceil(
    durationOption(site, option, value, fallback, { positive: true, max: MAX_TIMER_MS }),
  );
}

/** Validates `pool()`'s options and fills the defaults. Throws the house-form `TypeError`. */
export function resolvePoolOptions<T>(options: unknown): ResolvedPoolOptions<T> {
  const named =
    typeof options === 'object' &&
    options !== null &&
    typeof (options as { name?: unknown }).name === 'string'
      ? (options as { name: string }).name || undefined
      : undefined;
  const site = poolSite(named);
  if (options === undefined) {
    throw new TypeError(
      `${site.where}: options must be an object with create() and destroy(), got undefined`,
    );
  }
  checkOptionsObject(site, options, POOL_KEYS);
  const o = options as Record<string, unknown>;
  const name = stringOption(site, 'name', o.name);
  const create = functionOption<() => T>(site, 'create', o.create);
  if (create === undefined)
    throw optionError(site, 'create', 'a function that makes a resource', o.create);
  const destroy = functionOption<(resource: T) => unknown>(site, 'destroy', o.destroy);
  if (destroy === undefined)
    throw optionError(site, 'destroy', 'a function that closes a resource', o.destroy);
  const min = integerOption(site, 'min', o.min, 0, 0);
  const max = integerOption(site, 'max', o.max, 10, 1);
  if (max === Number.POSITIVE_INFINITY)
    throw optionError(site, 'max', 'a finite positive integer', max);
  if (min > max) throw configError(site, `\`min\` (${min}) must not exceed \`max\` (${max})`);
  const maxLifetime = durationOption(site, 'maxLifetime', o.maxLifetime, undefined, {
    positive: true,
  });
  return {
    create,
    destroy,
    validate: functionOption(site, 'validate', o.validate),
    isFatal: functionOption(site, 'isFatal', o.isFatal),
    min,
    max,
    acquireTimeoutMs: timeoutOption(site, 'acquireTimeout', o.acquireTimeout, 30_000),
    createTimeoutMs: timeoutOption(site, 'createTimeout', o.createTimeout, 30_000),
    idleTimeoutMs: timeoutOption(site, 'idleTimeout', o.idleTimeout, 30_000),
    maxLifetimeMs: maxLifetime ?? Number.POSITIVE_INFINITY,
    maxWaiting: integerOption(site, 'maxWaiting', o.maxWaiting, Number.POSITIVE_INFINITY, 0),
    name,
  };
}

/** Options of {@link objectPool}. */
export interface ObjectPoolOptions<T> {
  /** Makes one object (synchronously). Required. */
  create: () => T;
  /**
   * Clears an object's state when it comes back, before it is kept for reuse.
   *
   * @default undefined (none)
   */
  reset?: (object: T) => void;
  /**
   * Whether a returned object may be reused (after `reset`); `false` drops it.
   *
   * @default undefined (always)
   */
  validate?: (object: T) => boolean;
  /**
   * Idle objects kept at most; one released beyond it is dropped (left to the garbage
   * collector), so a burst does not pin its peak in memory for ever.
   *
   * @default 64
   */
  maxIdle?: number;
  /**
   * Name in figures and `report()`.
   *
   * @default the key under `createHotpath({ pools })`, else `'objectPool'`
   */
  name?: string;
}

/** {@link ObjectPoolOptions} after validation. */
export interface ResolvedObjectPoolOptions<T> {
  readonly create: () => T;
  readonly reset: ((object: T) => void) | undefined;
  readonly validate: ((object: T) => boolean) | undefined;
  readonly maxIdle: number;
  readonly name: string | undefined;
}

/** Validates `objectPool()`'s options and fills the defaults. */
export function resolveObjectPoolOptions<T>(options: unknown): ResolvedObjectPoolOptions<T> {
  const site: OptionSite = { where: 'objectPool' };
  if (options === undefined) {
    throw new TypeError(`objectPool: options must be an object with create(), got undefined`);
  }
  checkOptionsObject(site, options, ['create', 'reset', 'validate', 'maxIdle', 'name']);
  const o = options as Record<string, unknown>;
  const create = functionOption<() => T>(site, 'create', o.create);
  if (create === undefined)
    throw optionError(site, 'create', 'a function that makes an object', o.create);
  const maxIdle = integerOption(site, 'maxIdle', o.maxIdle, 64, 0);
  if (maxIdle === Number.POSITIVE_INFINITY)
    throw optionError(site, 'maxIdle', 'a finite non-negative integer', maxIdle);
  return {
    create,
    reset: functionOption(site, 'reset', o.reset),
    validate: functionOption(site, 'validate', o.validate),
    maxIdle,
    name: stringOption(site, 'name', o.name),
  };
}
