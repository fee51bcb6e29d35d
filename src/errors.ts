/**
 * Every error hotpath throws at run time, in one place, with one message style.
 *
 * Configuration mistakes (bad options) are `TypeError`s thrown at decoration time, see
 * `core/options.ts`. Everything that can go wrong while a decorated method runs is a
 * {@link HotpathError} (or a subclass) with a stable {@link HotpathErrorCode}: match on `code`
 * or on the class, both work across module formats.
 */

/**
 * The stable codes of {@link HotpathError}.
 *
 * - `E_TIMEOUT`: `@timeout` fired ({@link TimeoutError}).
 * - `E_RATE_LIMITED`: `@rateLimit` with `onLimit: 'reject'` or a full queue ({@link RateLimitError}).
 * - `E_BATCH_CONTRACT`: a `@batched` body broke its contract ({@link BatchError}).
 * - `E_UNKEYABLE`: an argument cannot be turned into a cache/batch key (functions, symbols, cycles,
 *   objects whose state is invisible: see `core/key.ts`), or a `@cached` `key` option returned
 *   something other than a string or number.
 * - `E_NOT_APPLICABLE`: a `control()` operation that none of the method's decorators supports.
 * - `E_CANCELLED`: pending `@debounce`/`@throttle` work was cancelled.
 * - `E_SHUTDOWN`: a call reached a registry after `shutdown()`.
 * - `E_STORE`: a shared cache tier failed or timed out (reported on the registry's `error` event).
 * - `E_NO_RECEIVER`: a decorated method was called without `this` (`const f = obj.m; f()`).
 * - `E_CONFIG`: the registry lacks something an option names (an unknown store, limiter or
 *   pool), or the installation lacks an optional peer package an integration needs (`hotpath/redis`).
 * - `E_POOL_TIMEOUT`: no pooled resource was free within the pool's `acquireTimeout`
 *   ({@link PoolTimeoutError}).
 * - `E_POOL_FULL`: every resource of a pool is lent and its waiting queue (`maxWaiting`) is full.
 * - `E_NO_LEASE`: `resource()` was called outside any `@withResource` call (or lease) of that pool.
 */
export type HotpathErrorCode =
  | 'E_TIMEOUT'
  | 'E_RATE_LIMITED'
  | 'E_BATCH_CONTRACT'
  | 'E_UNKEYABLE'
  | 'E_NOT_APPLICABLE'
  | 'E_CANCELLED'
  | 'E_SHUTDOWN'
  | 'E_STORE'
  | 'E_NO_RECEIVER'
  | 'E_CONFIG'
  | 'E_POOL_TIMEOUT'
  | 'E_POOL_FULL'
  | 'E_NO_LEASE';

/** Base class of every run-time error hotpath produces; `code` is stable, the message is for humans. */
export class HotpathError extends Error {
  /** Stable machine-readable code, see {@link HotpathErrorCode}. */
  readonly code: HotpathErrorCode;

  constructor(code: HotpathErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * `@timeout` fired before the method settled. `ms` is the limit that was exceeded; `method`
 * names the method that timed out (`ClassName.method`), when known.
 */
export class TimeoutError extends HotpathError {
  /** The timeout, in milliseconds. */
  readonly ms: number;
  /** The method (`ClassName.method`, or the wrapped function's name) that timed out, if known. */
  readonly method: string | undefined;

  constructor(message: string, ms: number, options?: { cause?: unknown; method?: string }) {
    super('E_TIMEOUT', message, options);
    this.ms = ms;
    this.method = options?.method;
  }
}

/**
 * `@rateLimit` refused a call: `onLimit: 'reject'` and no budget left, or the queue is full.
 * `retryAfter` is how long (ms) until a call would be admitted, as best the engine knows.
 */
export class RateLimitError extends HotpathError {
  /** Milliseconds until the budget allows another start (0 when unknown or only the queue was full). */
  readonly retryAfter: number;
  /**
   * The budget that refused the call, when it has a rate: `limit` starts per `interval` ms
   * (what HTTP's `RateLimit-Policy` header states), from the in-process and Redis engines.
   * `undefined` for a concurrency-only limit and for Bottleneck engines.
   */
  readonly policy: { readonly limit: number; readonly interval: number } | undefined;

  constructor(
    message: string,
    retryAfter: number,
    options?: { cause?: unknown; policy?: { limit: number; interval: number } },
  ) {
    super(
      'E_RATE_LIMITED',
      message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.retryAfter = retryAfter;
    this.policy = options?.policy;
  }
}

/** A `@batched` body returned something other than an array of the input's length. */
export class BatchError extends HotpathError {
  /** `ClassName.method` of the body that broke the contract (when known). */
  readonly method: string | undefined;
  /** How many results the body had to return: the number of items it was given. */
  readonly expected: number | undefined;
  /** How many it returned; `undefined` when it returned no array at all. */
  readonly received: number | undefined;

  constructor(
    message: string,
    options?: { cause?: unknown; method?: string; expected?: number; received?: number },
  ) {
    super(
      'E_BATCH_CONTRACT',
      message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.method = options?.method;
    this.expected = options?.expected;
    this.received = options?.received;
  }
}

/**
 * No resource of a pool was free within its `acquireTimeout`: every one was lent (or creating
 * one kept failing, then `cause` is the last create error). `pool` names the pool, `waitedMs`
 * is how long the caller waited.
 */
export class PoolTimeoutError extends HotpathError {
  /** The pool's name (`'db'`). */
  readonly pool: string;
  /** How long the caller waited, in milliseconds (about the pool's `acquireTimeout`). */
  readonly waitedMs: number;

  constructor(message: string, pool: string, waitedMs: number, options?: { cause?: unknown }) {
    super('E_POOL_TIMEOUT', message, options);
    this.pool = pool;
    this.waitedMs = waitedMs;
  }
}

/** Is `value` a {@link HotpathError}, optionally with the given code? Works across realms and builds. */
export function isHotpathError(value: unknown, code?: HotpathErrorCode): value is HotpathError {
  if (!(value instanceof Error)) return false;
  const c = (value as { code?: unknown }).code;
  return (
    (value instanceof HotpathError || typeof c === 'string') &&
    (code === undefined ? typeof c === 'string' && c.startsWith('E_') : c === code)
  );
}
