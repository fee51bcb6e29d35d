/**
 * The pools' internal operations, for the `@withResource` layer and the registry: symbol-keyed
 * methods, not part of the public API (the symbols are not exported from `hotpath`).
 */

/** `pool[ACQUIRE](method, signal)`: takes a resource for `method` (named in events and errors). */
export const ACQUIRE: unique symbol = Symbol('hotpath.pool.acquire');
/** `pool[GIVE_BACK](resource, failed, error)`: ends a lease. */
export const GIVE_BACK: unique symbol = Symbol('hotpath.pool.giveBack');
/** `pool[NESTED]()`: counts a decorated call that ran in its caller's lease. */
export const NESTED: unique symbol = Symbol('hotpath.pool.nested');
/** `pool[CLOSE]()`: stops lending; resolves once every resource is destroyed. */
export const CLOSE: unique symbol = Symbol('hotpath.pool.close');
/** `pool[FORCE]()`: destroys every lent resource now (a shutdown deadline passed). */
export const FORCE: unique symbol = Symbol('hotpath.pool.force');
/** `pool[ADOPT](name, onError)`: a registry takes the pool under `name`. */
export const ADOPT: unique symbol = Symbol('hotpath.pool.adopt');
