/**
 * The lease a call holds, carried by an `AsyncLocalStorage` through everything the call awaits:
 * how `resource('db')` finds the connection of the `@withResource('db')` method it runs in, and
 * how a nested decorated call (a repository method called by a service method) reuses that
 * connection instead of taking a second one, as a transaction scope would.
 *
 * Leases of different pools nest as a chain (a call holding `db` that enters `@withResource
 * ('cache')` holds both). A lease is marked ended when its call settles: code the call left
 * running (a promise it did not await) still sees it in its context, and must neither use the
 * connection (lent to someone else by then) nor count as being inside it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { HotpathError } from '../errors.js';
import type { ResourcePool } from './resource-pool.js';

/** What a lease needs of its pool: its identity and name. */
export interface LeasePool {
  readonly name: string;
}

/** One resource lent to one call (and to the calls nested in it). */
export interface Lease {
  /** The pool that lent it. */
  readonly pool: LeasePool;
  /** The resource (connection, client) lent. */
  readonly resource: unknown;
  /** False once the call that took it has settled and given it back. */
  active: boolean;
  /** The lease of another pool this one was taken inside of, if any. */
  readonly parent: Lease | undefined;
}

const context = new AsyncLocalStorage<Lease>();

/** The active lease of `pool` in the current async context, if any. */
export function activeLease(pool: LeasePool): Lease | undefined {
  for (let lease = context.getStore(); lease !== undefined; lease = lease.parent) {
    if (lease.pool === pool && lease.active) return lease;
  }
  return undefined;
}

/** A new lease of `resource` from `pool`, inside the current context's leases. */
export function newLease(pool: LeasePool, resource: unknown): Lease {
  let parent = context.getStore();
  // Ended leases are of no use to anything nested: do not keep them (and their resources) alive.
  while (parent !== undefined && !parent.active) parent = parent.parent;
  return { pool, resource, active: true, parent };
}

/** Runs `fn(...args)` with `lease` as the current context's innermost lease. */
export function runInLease<A extends unknown[], R>(
  lease: Lease,
  fn: (...args: A) => R,
  ...args: A
): R {
  return context.run(lease, fn, ...args);
}

/**
 * The resource lent to the current call by pool `pool` (a name, as given in
 * `createHotpath({ pools })`, or the pool itself, which also types the result). Call it
 * inside a method decorated with `@withResource(pool)`, or inside `pool.use(fn)`, or anything
 * they call and await.
 *
 * Throws `HotpathError` `E_NO_LEASE` outside any such call, or when the lease the code runs in
 * has ended (code left running by a call that has returned: it must take its own lease).
 *
 * Cost: one `AsyncLocalStorage` read and a walk of the (usually one-element) lease chain.
 *
 * @example
 * class UserRepo {
 *   @withResource('db')
 *   async find(id: string): Promise<User> {
 *     const db = resource<pg.Client>('db');
 *     return (await db.query('select * from users where id = $1', [id])).rows[0];
 *   }
 * }
 */
export function resource<T>(pool: string | ResourcePool<T>): T {
  const byName = typeof pool === 'string';
  const name = byName ? pool : pool.name;
  let ended = false;
  for (let lease = context.getStore(); lease !== undefined; lease = lease.parent) {
    if (byName ? lease.pool.name !== name : lease.pool !== pool) continue;
    if (lease.active) return lease.resource as T;
    ended = true;
  }
  throw new HotpathError(
    'E_NO_LEASE',
    ended
      ? `resource('${name}'): the lease of pool '${name}' this code runs in has ended (the call that took it has returned); code it left running must take its own lease (@withResource('${name}') or pool.use())`
      : `resource('${name}'): no lease of pool '${name}' here; call it inside a method decorated with @withResource('${name}'), or inside pool.use()`,
  );
}
