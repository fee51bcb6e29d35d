/**
 * `@retry` options: the public type and the resolver that validates them once, at decoration
 * time, and fills the defaults.
 */
import {
  checkOptionsObject,
  configError,
  durationOption,
  enumOption,
  functionOption,
  integerOption,
  optionError,
  type Duration,
  type OptionSite,
} from '../core/options.js';

/** How the wait grows between tries. */
export type RetryBackoff = 'exponential' | 'linear' | 'fixed';

/** What {@link RetryOptions.onRetry} is told before each wait. */
export interface RetryEvent {
  /** The error of the try that just failed. */
  readonly error: unknown;
  /** The number of the try that just failed (1 = the first call). */
  readonly attempt: number;
  /** How long hotpath now waits before the next try, in milliseconds (jitter applied). */
  readonly delayMs: number;
}

/** Options of `@retry`. */
export interface RetryOptions {
  /**
   * Total number of tries, the first call included: `3` = one call and up to two retries.
   * A positive integer, or `Infinity` (then give `retryIf` a way to stop).
   *
   * @default 3
   */
  attempts?: number;
  /**
   * The base wait before the first retry.
   *
   * @default 100
   */
  delay?: Duration;
  /**
   * How the wait grows: `'exponential'` waits `delay * 2^(n-1)` before retry `n`, `'linear'`
   * waits `delay * n`, `'fixed'` waits `delay` every time. Always capped by `maxDelay`.
   *
   * @default 'exponential'
   */
  backoff?: RetryBackoff;
  /**
   * The longest wait between two tries (before jitter). Must be >= `delay`.
   *
   * @default '10s' (or `delay`, when that is longer)
   */
  maxDelay?: Duration;
  /**
   * Randomises each wait so that many clients failing together do not retry together.
   * `true` or `'full'`: AWS "full jitter", a uniform wait in `[0, computed]`; `'equal'`: AWS
   * "equal jitter", uniform in `[computed / 2, computed]` (never much shorter than the backoff);
   * `false`: exactly the computed wait.
   *
   * @default true
   */
  jitter?: boolean | 'full' | 'equal';
  /**
   * Decides whether the failure of try `attempt` is worth another try. hotpath's `E_SHUTDOWN`
   * and `E_CANCELLED` are never retried, whatever it says. May return a promise. If it throws,
   * the call rejects with what it threw.
   *
   * @default undefined (every error is retried)
   */
  retryIf?: (error: unknown, attempt: number) => boolean | PromiseLike<boolean>;
  /**
   * Called before each wait, e.g. to log. May return a promise (awaited before the wait).
   * If it throws, the call rejects with what it threw.
   *
   * @default undefined
   */
  onRetry?: (event: RetryEvent) => void | PromiseLike<void>;
}

/** {@link RetryOptions} validated, in milliseconds, with defaults filled. */
export interface ResolvedRetryOptions {
  readonly attempts: number;
  readonly delayMs: number;
  readonly backoff: RetryBackoff;
  readonly maxDelayMs: number;
  readonly jitter: 'full' | 'equal' | 'none';
  readonly retryIf: RetryOptions['retryIf'];
  readonly onRetry: RetryOptions['onRetry'];
}

const KNOWN = ['attempts', 'delay', 'backoff', 'maxDelay', 'jitter', 'retryIf', 'onRetry'] as const;

/** Validates `options` for `@retry` on `site`; throws the house-form `TypeError` on the first problem. */
export function resolveRetryOptions(
  site: OptionSite,
  options: RetryOptions | undefined,
): ResolvedRetryOptions {
  checkOptionsObject(site, options, KNOWN);
  const o = options ?? {};
  const attempts = integerOption(site, 'attempts', o.attempts, 3, 1);
  const delayMs = durationOption(site, 'delay', o.delay, 100);
  const backoff = enumOption<RetryBackoff>(
    site,
    'backoff',
    o.backoff,
    ['exponential', 'linear', 'fixed'],
    'exponential',
  );
  // The default cap never undercuts an explicit `delay` (`delay: '1m'` alone means 1 minute).
  const maxDelayMs = durationOption(site, 'maxDelay', o.maxDelay, Math.max(10_000, delayMs));
  if (maxDelayMs < delayMs) {
    throw configError(
      site,
      `\`maxDelay\` (${maxDelayMs} ms) must not be less than \`delay\` (${delayMs} ms)`,
    );
  }
  const jitter = o.jitter;
  if (
    jitter !== undefined &&
    typeof jitter !== 'boolean' &&
    jitter !== 'full' &&
    jitter !== 'equal'
  ) {
    throw optionError(site, 'jitter', "a boolean, 'full' or 'equal'", jitter);
  }
  return {
    attempts,
    delayMs,
    backoff,
    maxDelayMs,
    jitter: jitter === false ? 'none' : jitter === 'equal' ? 'equal' : 'full',
    retryIf: functionOption(site, 'retryIf', o.retryIf),
    onRetry: functionOption(site, 'onRetry', o.onRetry),
  };
}

/**
 * The wait before the retry that follows failed try `attempt` (1-based), in ms: the backoff,
 * capped by `maxDelay`, then jittered. `random` is injectable for tests; default `Math.random`.
 */
export function retryDelay(
  o: ResolvedRetryOptions,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base =
    o.backoff === 'fixed'
      ? o.delayMs
      : o.backoff === 'linear'
        ? o.delayMs * attempt
        : o.delayMs * 2 ** (attempt - 1);
  const capped = Math.min(base, o.maxDelayMs);
  if (o.jitter === 'none') return capped;
  // Whole milliseconds: timers truncate anyway, and `onRetry` then reports the real wait.
  if (o.jitter === 'equal') return Math.round(capped / 2 + random() * (capped / 2));
  return Math.round(random() * capped);
}
