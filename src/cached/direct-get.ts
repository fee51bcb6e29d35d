/**
 * A store's direct read: a `get` that answers what `keyv.get(key)` answers, with the same
 * command, but without keyv's per-call layers (its hooks, its stats, the promise of its
 * deserializer). A store built by hotpath (`redisStore()`) provides one with
 * {@link provideDirectGet}; a shared tier reads through it when there is one
 * ({@link directGetOf}), else through `keyv.get`.
 *
 * Keyed by a registered symbol, so that the CommonJS and ESM builds of hotpath, if both are
 * loaded, still find each other's.
 */
const DIRECT_GET = Symbol.for('hotpath.directGet');

/** Reads `key` as the store's `get` would: the stored string, or `undefined`. */
export type DirectGet = (key: string) => Promise<unknown>;

/** Gives `store` its direct read (not enumerable, not writable). */
export function provideDirectGet(store: object, get: DirectGet): void {
  Object.defineProperty(store, DIRECT_GET, { value: get });
}

/** The direct read of `store`, if it has one. */
export function directGetOf(store: object): DirectGet | undefined {
  const get = (store as { [DIRECT_GET]?: unknown })[DIRECT_GET];
  return typeof get === 'function' ? (get as DirectGet) : undefined;
}
