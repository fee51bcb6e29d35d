/**
 * `lazyRecord({ db: () => connect(), api: () => createClient() })`: a record whose properties
 * are computed on first access (the desktop app's `LazyDict`), each one a `lazy(factory)`, so
 * it is async-aware the same way (a promise is remembered, a rejected one forgotten), with
 * `reset(key)` to forget one value and `reset()` every value.
 */
import { control } from '../core/control.js';
import { configError, optionError, type OptionSite } from '../core/options.js';
import { lazy } from './lazy.js';

/** The factories a {@link lazyRecord} is made from: one zero-argument function per property. */
export type LazyFactories = Record<string, () => unknown>;

/**
 * What {@link lazyRecord} returns: one read-only property per factory, holding what the
 * factory returned on first access, and `reset()`.
 */
export type LazyRecord<F extends LazyFactories> = {
  readonly [K in keyof F]: ReturnType<F[K]>;
} & {
  /**
   * Forgets the value of `key` (every value without `key`): the next access computes it again.
   * Not enumerable.
   */
  reset(key?: keyof F): void;
};

const SITE: OptionSite = { where: 'lazyRecord' };

/**
 * A record whose property `k` is `factories[k]()`, computed on its first access and then
 * remembered (`undefined` and `null` included; a factory that throws remembers nothing). A
 * factory returning a promise remembers the promise, so concurrent readers share one
 * computation, and a rejected promise is forgotten: the next access computes again.
 * `record.reset('db')` forgets one value, `record.reset()` all of them.
 *
 * The properties are enumerable getters: spreading the record or `JSON.stringify(record)`
 * computes every value. A key named `reset` is a configuration error (the record's own method).
 * Cost of a remembered access: a getter call and one `WeakMap` lookup (that of `lazy()`).
 *
 * @example
 * const services = lazyRecord({ db: () => connect(url), api: () => createClient() });
 * await services.db; // connects on first access
 * services.reset('db'); // the next access connects again
 */
export function lazyRecord<F extends LazyFactories>(factories: F): LazyRecord<F> {
  if (factories === null || typeof factories !== 'object' || Array.isArray(factories)) {
    throw optionError(SITE, 'factories', 'an object of functions', factories);
  }
  const thunks = new Map<string, () => unknown>();
  for (const [key, factory] of Object.entries(factories)) {
    if (key === 'reset') {
      throw configError(
        SITE,
        "a property cannot be named `reset`: it is the record's own `reset(key)`",
      );
    }
    if (typeof factory !== 'function') throw optionError(SITE, key, 'a function', factory);
    thunks.set(key, lazy(factory));
  }
  const record = {} as Record<string, unknown>;
  for (const [key, thunk] of thunks) {
    Object.defineProperty(record, key, { enumerable: true, get: thunk });
  }
  Object.defineProperty(record, 'reset', {
    enumerable: false,
    value(key?: string): void {
      if (key === undefined) {
        for (const thunk of thunks.values()) control(thunk).reset();
        return;
      }
      const thunk = thunks.get(key);
      if (thunk === undefined) {
        throw configError(
          SITE,
          `reset(key): ${JSON.stringify(key)} is not a property of this record (its properties: ${[...thunks.keys()].map((k) => JSON.stringify(k)).join(', ') || 'none'})`,
        );
      }
      control(thunk).reset();
    },
  });
  return Object.freeze(record) as LazyRecord<F>;
}
