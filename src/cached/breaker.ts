/**
 * The circuit breaker in front of each shared cache tier, so a failing store is skipped rather
 * than waited on: after `failures` consecutive failed operations the store is skipped for
 * `cooldown`; then one trial operation is let through (half-open): success closes the breaker,
 * failure opens it again.
 *
 * There is one breaker per store per registry, shared by every `@cached` method using that
 * store in that registry. Configure it per store with {@link withBreaker}.
 */
import type { Clock } from '../core/clock.js';
import {
  checkOptionsObject,
  durationOption,
  optionError,
  type Duration,
  type OptionSite,
} from '../core/options.js';
import { checkStore } from './check-store.js';

/** Settings of a store's circuit breaker. */
export interface BreakerOptions {
  /**
   * Consecutive failures (errors or timeouts) that open the breaker. `Infinity` disables it.
   *
   * @default 5
   */
  failures?: number;
  /**
   * How long an open breaker skips the store before one trial operation.
   *
   * @default '10s'
   */
  cooldown?: Duration;
}

/** Resolved breaker settings. */
export interface BreakerSettings {
  readonly failures: number;
  readonly cooldownMs: number;
}

/** Defaults: 5 consecutive failures open the breaker for 10 s. */
const DEFAULT_BREAKER: BreakerSettings = { failures: 5, cooldownMs: 10_000 };

const settingsOf = new WeakMap<object, BreakerSettings>();

const SITE: OptionSite = { where: 'withBreaker' };

/**
 * Sets the circuit breaker of `store` (a keyv instance or any `CacheStore`) and returns the
 * same store, for use in `createHotpath({ stores: { redis: withBreaker(keyv, { failures: 3,
 * cooldown: '30s' }) } })`. Without it a store gets 5 failures / 10 s. Throws a `TypeError`
 * for a store that is not one, an unknown option (naming the closest known one) or a bad
 * setting.
 */
export function withBreaker<S extends object>(store: S, options: BreakerOptions): S {
  checkStore(SITE, 'store', store);
  checkOptionsObject(SITE, options, ['failures', 'cooldown']);
  const failures = options?.failures ?? DEFAULT_BREAKER.failures;
  if (
    typeof failures !== 'number' ||
    !(failures >= 1) ||
    (!Number.isInteger(failures) && failures !== Number.POSITIVE_INFINITY)
  ) {
    throw optionError(SITE, 'failures', 'a positive integer or Infinity', failures);
  }
  // Compared with the clock, never a timer: any finite length works.
  const cooldownMs = durationOption(
    SITE,
    'cooldown',
    options?.cooldown,
    DEFAULT_BREAKER.cooldownMs,
  );
  settingsOf.set(store, { failures, cooldownMs });
  return store;
}

/** The breaker settings of `store` ({@link withBreaker}, else the defaults). */
export function breakerSettings(store: object): BreakerSettings {
  return settingsOf.get(store) ?? DEFAULT_BREAKER;
}

/** `closed` (normal), `open` (skipping the store) or `half-open` (one trial in flight). */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** One store's breaker in one registry. */
export class CircuitBreaker {
  readonly #settings: BreakerSettings;
  readonly #clock: Clock;
  #failures = 0;
  #openUntil = 0;
  #state: BreakerState = 'closed';
  /** Times the breaker opened. */
  opened = 0;

  constructor(settings: BreakerSettings, clock: Clock) {
    this.#settings = settings;
    this.#clock = clock;
  }

  /** The current state (an open breaker whose cooldown is over reads as `half-open`). */
  get state(): BreakerState {
    if (this.#state === 'open' && this.#clock.now() >= this.#openUntil) return 'half-open';
    return this.#state;
  }

  /** Settings in use. */
  get settings(): BreakerSettings {
    return this.#settings;
  }

  /**
   * Whether an operation may go to the store now. In half-open state only the first caller
   * gets `true` (the trial); others are skipped until it reports.
   */
  allow(): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'half-open') return false;
    if (this.#clock.now() < this.#openUntil) return false;
    this.#state = 'half-open';
    return true;
  }

  /** Reports a successful operation: closes the breaker. */
  success(): void {
    this.#failures = 0;
    this.#state = 'closed';
  }

  /** Reports a failed operation; returns true when this failure opened the breaker. */
  failure(): boolean {
    this.#failures++;
    if (this.#state === 'half-open' || this.#failures >= this.#settings.failures) {
      const wasOpen = this.#state !== 'closed';
      this.#state = 'open';
      this.#openUntil = this.#clock.now() + this.#settings.cooldownMs;
      this.opened++;
      return !wasOpen;
    }
    return false;
  }
}
