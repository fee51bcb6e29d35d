/**
 * `createHotpath(config)` refuses a configuration it cannot use when the registry is made, in
 * the house message form (messages asserted word for word), instead of failing at the first
 * call that needs the misspelt or wrong piece.
 */
import { describe, expect, it } from '@jest/globals';
import Keyv from 'keyv';
import { createHotpath, type HotpathConfig } from '../../src/index.js';
import { systemClock } from '../../src/extend.js';
import { Hotpath } from '../../src/registry/hotpath.js';

const noop = (): void => undefined;

describe('createHotpath configuration', () => {
  it.each<[string, unknown, string]>([
    ['not an object', 5, 'options must be an object, got 5'],
    ['a misspelt key', { store: {} }, 'unknown option `store` (did you mean `stores`?)'],
    [
      'another misspelt key',
      { clok: systemClock },
      'unknown option `clok` (did you mean `clock`?)',
    ],
    [
      'an unknown key',
      { redisUrl: 'redis://localhost' },
      'unknown option `redisUrl` (known options: `name`, `stores`, `limiters`, `bus`, `lock`, `clock`, `pools`)',
    ],
    ['a name that is not a string', { name: 42 }, '`name` must be a non-empty string, got 42'],
    [
      'a clock without now()',
      { clock: { setTimeout: noop, clearTimeout: noop } },
      '`clock` must be a clock with now(), setTimeout() and clearTimeout(), got { setTimeout: [Function: noop], clearTimeout: [Function: noop] } (it has no now())',
    ],
    [
      'a clock with now() alone',
      { clock: { now: Date.now } },
      '`clock` must be a clock with now(), setTimeout() and clearTimeout(), got { now: [Function: now] } (it has no setTimeout() or clearTimeout())',
    ],
    [
      'a clock that is a number',
      { clock: 0 },
      '`clock` must be a clock with now(), setTimeout() and clearTimeout(), got 0',
    ],
    [
      'a store given as a URL',
      { stores: { redis: 'redis://localhost:6379' } },
      "`stores.redis` must be a keyv instance or a store with get(), set() and delete(), got 'redis://localhost:6379' (for a Redis URL, redisStore(url) from hotpath/redis makes one)",
    ],
    [
      'a store without delete()',
      { stores: { memory: { get: noop, set: noop } } },
      '`stores.memory` must be a keyv instance or a store with get(), set() and delete(), got { get: [Function: noop], set: [Function: noop] } (it has no delete())',
    ],
    [
      'stores as an array',
      { stores: [new Map()] },
      '`stores` must be an object of named stores ({ redis: redisStore(url) }), got [ Map(0) {} ]',
    ],
    [
      'a bus without subscribe()',
      { bus: { publish: noop } },
      '`bus` must be an invalidation bus with publish() and subscribe() (e.g. new RedisBus({ url }) from hotpath/redis), got { publish: [Function: noop] } (it has no subscribe())',
    ],
    [
      'a lock without acquire()',
      { lock: { release: noop } },
      '`lock` must be a lock with acquire() (e.g. new RedisLock({ url }) from hotpath/redis), got { release: [Function: noop] } (it has no acquire())',
    ],
    [
      'a limiter that is a number',
      { limiters: { github: 5000 } },
      '`limiters.github` must be rate-limit options ({ limit, interval }) or a Bottleneck instance, got 5000',
    ],
    [
      'limiters that are not an object',
      { limiters: 'github' },
      "`limiters` must be an object of named limiters ({ github: { limit: 5000, interval: '1h' } }), got 'github'",
    ],
  ])('refuses %s', (_case, config, message) => {
    const expected = new TypeError(`createHotpath: ${message}`);
    expect(() => createHotpath(config as HotpathConfig)).toThrow(expected);
    expect(() => new Hotpath(config as HotpathConfig)).toThrow(expected);
  });

  it('accepts keyv instances, stores whose methods are on their prototype, and complete clocks, buses and locks', () => {
    class MapStore {
      readonly #map = new Map<string, unknown>();
      get(key: string): unknown {
        return this.#map.get(key);
      }
      set(key: string, value: unknown): void {
        this.#map.set(key, value);
      }
      delete(key: string): boolean {
        return this.#map.delete(key);
      }
    }
    const registry = createHotpath({
      name: 'complete',
      stores: { keyv: new Keyv(), mine: new MapStore() },
      limiters: { github: { limit: 1, interval: '1s' } },
      bus: { publish: noop, subscribe: noop },
      lock: { acquire: async () => null },
      clock: { now: () => 0, setTimeout: () => 1, clearTimeout: noop },
    });
    expect(Object.keys(registry.stores)).toEqual(['keyv', 'mine']);
  });
});
