/**
 * `@cached`: memoization in tiers: an in-process LRU (L1) per instance (or per
 * registry for shared scope), then the registry's named shared stores (L2: any keyv), then the
 * method. Single flight per key, never caches failures, optional freshness machinery (`ttl`,
 * `staleWhileRevalidate`, `staleIfError`, `jitter`), invalidation by key, namespace and tag
 * (O(1): marks in the shared tiers, see invalidation-book.ts), and shared tiers that fail open.
 *
 * Events on the `hotpath:event` diagnostics channel (`decorator: 'cached'`):
 * - `hit` `{ tier: 'memory' | <store name>, key }`: served from a tier;
 * - `miss` `{ key }`: the method runs;
 * - `coalesced` `{ key }`: a call joined a computation in flight;
 * - `stale` `{ key, reason: 'revalidate' | 'error' }`: a stale value was served;
 * - `refresh` `{ key }`: a background refresh started; `refresh-error` `{ key, error }` it failed;
 * - `store-error` `{ store, error, key? }`: a shared-tier operation failed or timed out, the
 *   store's breaker opened, or a value could not be decoded or encoded;
 * - `lock-wait` `{ key }`: another process holds the distributed lock, this one polls;
 * - `lock-wait-abandoned` `{ key }`: a poll could not read the shared tier (failure, timeout,
 *   open breaker), so this process stopped waiting and computes.
 *
 * Where each part lives: the layer of one decorated method (`cached-layer.ts`); the memory hit
 * (`hit-path.ts`); everything else a call may need, in the order it may need it: stale
 * serving and single flight (`slow-path.ts`), a miss without or with shared tiers
 * (`miss-local.ts`, `miss-shared.ts`), the computation that fills the shared tiers
 * (`compute-shared.ts`), the distributed lock around it (`locked-compute.ts`), the background
 * refresh (`refresh.ts`); one method's state in one registry (`method-cache.ts`), its entries
 * in the shared tiers (`shared-entries.ts`, `entry-format.ts`), invalidation
 * (`invalidation-book.ts`).
 */
import { createDecorator, type AnyFunction, type HotpathDecorator } from '../core/intercept.js';
import type {
  ControlContext,
  Invoke,
  Layer,
  Shortcut,
  ShortcutLayer,
  SiteInfo,
} from '../core/site.js';
import { CachedLayer } from './cached-layer.js';
import { resolveCachedOptions, type CachedOptions } from './options.js';

/** A method returning a promise (what `@cached` with `store` accepts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AsyncMethod = (this: any, ...args: any[]) => PromiseLike<unknown>;

/**
 * What makes a method's type unfit for `@cached`: returning an RxJS-style `Observable`
 * (anything with `subscribe` and `pipe`). An `Observable` is cold: keeping it would keep the
 * recipe, and every subscriber would run the work again. The refusal is a compile error that
 * names the fix.
 */
export type RefuseObservable<T extends AnyFunction> =
  ReturnType<T> extends {
    subscribe(...args: never[]): unknown;
    pipe(...args: never[]): unknown;
  }
    ? { '@cached cannot keep an Observable (it is cold): return firstValueFrom(...) of it': never }
    : unknown;

/**
 * `@cached` without `store`: a {@link HotpathDecorator} for any method (sync or async) except one
 * returning an `Observable` ({@link RefuseObservable}).
 */
export interface CachedDecorator {
  /** TC39 standard decorator on a method. */
  <T extends AnyFunction>(
    value: T & RefuseObservable<T>,
    context: ClassMethodDecoratorContext<unknown, T>,
  ): T;
  /** Legacy (`experimentalDecorators`) decorator on a method. */
  <T extends AnyFunction>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<T> & RefuseObservable<T>,
  ): TypedPropertyDescriptor<T>;
  /** Functional form: returns `fn` wrapped; the wrapper owns the state. */
  <T extends AnyFunction>(fn: T & RefuseObservable<T>): T;
}

/**
 * Caches a method's results. See {@link CachedOptions} for every option and the README's
 * `@cached` section for the full behaviour; in short:
 *
 * - per instance by default (two instances never share a memo); `scope: 'shared'` or `store`
 *   share one memo per registry (and, with `store`, one entry for every process);
 * - single flight (concurrent misses run the method once), rejections and throws are never
 *   cached, `undefined` is, `unless(result)` opts a result out;
 * - a memory hit returns the value (sync methods) or an already-settled promise (async);
 * - `control(obj, 'm').invalidate(...args)`, `.clear()`, `registry.invalidate({ tags | namespace | key })`;
 * - shared tiers are bounded by `storeTimeout`, fail open (miss / skipped write, reported on
 *   the registry's `error` event) and sit behind a circuit breaker ({@link withBreaker}).
 *
 * With `store`, the decorated method always returns a promise (only async methods are accepted
 * by the types).
 *
 * @example
 * class UserService {
 *   @cached({ ttl: '5m', store: 'redis', tags: (user) => [`user:${user.id}`] })
 *   async getUser(id: string): Promise<User> { ... }
 * }
 */
export function cached(
  options: CachedOptions & { store: string | readonly string[] },
): HotpathDecorator<AsyncMethod>;
export function cached(options?: CachedOptions): CachedDecorator;
export function cached(options?: CachedOptions): CachedDecorator {
  return createDecorator<AnyFunction>({
    name: 'cached',
    layer(decoration): Layer {
      const opts = resolveCachedOptions(decoration, options);
      const layer = new CachedLayer(opts);
      const control = {
        invalidate: (ctx: ControlContext, args: unknown[]) => layer.invalidateArgs(ctx, args),
        clear: (ctx: ControlContext) => layer.clear(ctx),
        stats: (ctx: ControlContext) => layer.stats(ctx),
      };
      const wrap = (inner: Invoke, site: SiteInfo): Invoke => layer.wrap(inner, site);
      const shortcut = (site: SiteInfo): Shortcut | undefined => layer.shortcut(site);
      const cachedLayer: ShortcutLayer =
        opts.stores.length > 0
          ? { decorator: 'cached', wrap, shortcut, control, async: true }
          : { decorator: 'cached', wrap, shortcut, control };
      return cachedLayer;
    },
  });
}
