/**
 * Validation of a registry's configuration (`createHotpath(config)`), and of the shapes other
 * entry points accept too (a store for `withBreaker`): checked when the registry is made, in
 * the house message form, so a misspelt key or a store that is not one fails there and not at
 * the first call that needs it.
 *
 *     createHotpath: `clock` must be a clock with now(), setTimeout() and clearTimeout(), got { now: 0 } (it has no now(), setTimeout() or clearTimeout())
 */
import { checkOptionsObject, optionError, stringOption, type OptionSite } from '../core/options.js';
import type { HotpathConfig } from './types.js';

const SITE: OptionSite = { where: 'createHotpath' };

const KNOWN = ['name', 'stores', 'limiters', 'bus', 'lock', 'clock'] as const;

/** What a shared cache tier must be, in the words of the messages. */
const STORE_EXPECTED = 'a keyv instance or a store with get(), set() and delete()';
const STORE_METHODS = ['get', 'set', 'delete'] as const;

/**
 * Checks that `value` (option `option`) is an object with every method in `methods`; the
 * message names what is missing, since an instance's prototype methods do not show in it.
 * `hint` is appended when `value` is a string (a URL passed where a client belongs).
 */
function checkMethods(
  site: OptionSite,
  option: string,
  value: unknown,
  methods: readonly string[],
  expected: string,
  hint?: string,
): void {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    throw optionError(site, option, expected, value, typeof value === 'string' ? hint : undefined);
  }
  const missing = methods.filter(
    (m) => typeof (value as Record<string, unknown>)[m] !== 'function',
  );
  if (missing.length === 0) return;
  const list =
    missing.length === 1
      ? `${missing[0]}()`
      : `${missing
          .slice(0, -1)
          .map((m) => `${m}()`)
          .join(', ')} or ${missing[missing.length - 1]}()`;
  throw optionError(site, option, expected, value, `it has no ${list}`);
}

/** Checks that `store` can serve as a shared cache tier (keyv, or anything with its methods). */
export function checkStore(site: OptionSite, option: string, store: unknown): void {
  checkMethods(
    site,
    option,
    store,
    STORE_METHODS,
    STORE_EXPECTED,
    'for a Redis URL, redisStore(url) from hotpath/redis makes one',
  );
}

/** An object of named entries (`stores`, `limiters`): a plain object, not an array or a Map. */
function checkNamed(option: string, value: unknown, expected: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Map) {
    throw optionError(SITE, option, expected, value);
  }
  return value as Record<string, unknown>;
}

/**
 * Validates `createHotpath`'s configuration: known keys only (with "did you mean"), `name` a
 * non-empty string, every store a keyv instance or store, every limiter an object, a bus with
 * `publish()`/`subscribe()`, a lock with `acquire()`, a clock with `now()`, `setTimeout()` and
 * `clearTimeout()`. Throws the house-form `TypeError` on the first problem.
 */
export function checkHotpathConfig(config: unknown): asserts config is HotpathConfig | undefined {
  checkOptionsObject(SITE, config, KNOWN);
  if (config === undefined) return;
  const c = config as Record<string, unknown>;
  stringOption(SITE, 'name', c.name);
  if (c.stores !== undefined) {
    const stores = checkNamed(
      'stores',
      c.stores,
      'an object of named stores ({ redis: redisStore(url) })',
    );
    for (const [name, store] of Object.entries(stores)) checkStore(SITE, `stores.${name}`, store);
  }
  if (c.limiters !== undefined) {
    const limiters = checkNamed(
      'limiters',
      c.limiters,
      "an object of named limiters ({ github: { limit: 5000, interval: '1h' } })",
    );
    for (const [name, limiter] of Object.entries(limiters)) {
      if (limiter === null || typeof limiter !== 'object') {
        throw optionError(
          SITE,
          `limiters.${name}`,
          'rate-limit options ({ limit, interval }) or a Bottleneck instance',
          limiter,
        );
      }
    }
  }
  if (c.bus !== undefined) {
    checkMethods(
      SITE,
      'bus',
      c.bus,
      ['publish', 'subscribe'],
      'an invalidation bus with publish() and subscribe() (e.g. new RedisBus({ url }) from hotpath/redis)',
    );
  }
  if (c.lock !== undefined) {
    checkMethods(
      SITE,
      'lock',
      c.lock,
      ['acquire'],
      'a lock with acquire() (e.g. new RedisLock({ url }) from hotpath/redis)',
    );
  }
  if (c.clock !== undefined) {
    checkMethods(
      SITE,
      'clock',
      c.clock,
      ['now', 'setTimeout', 'clearTimeout'],
      'a clock with now(), setTimeout() and clearTimeout()',
    );
  }
}
