/**
 * Validation of a registry's configuration (`createHotpath(config)`): checked when the registry
 * is made, in the house message form, so a misspelt key or a store that is not one fails there
 * and not at the first call that needs it.
 *
 *     createHotpath: `clock` must be a clock with now(), setTimeout() and clearTimeout(), got { now: 0 } (it has no now(), setTimeout() or clearTimeout())
 */
import { checkStore } from '../cached/check-store.js';
import { checkMethods } from '../core/check-methods.js';
import { checkOptionsObject, optionError, stringOption, type OptionSite } from '../core/options.js';
import { isPool } from '../pool/registry-pools.js';
import type { HotpathConfig } from './types.js';

const SITE: OptionSite = { where: 'createHotpath' };

const KNOWN = ['name', 'stores', 'limiters', 'bus', 'lock', 'clock', 'pools'] as const;

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
  if (c.pools !== undefined) {
    const pools = checkNamed(
      'pools',
      c.pools,
      'an object of named pools ({ db: pool({ create, destroy }) })',
    );
    for (const [name, pool] of Object.entries(pools)) {
      if (!isPool(pool))
        throw optionError(SITE, `pools.${name}`, 'a pool made by pool() or objectPool()', pool);
    }
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
