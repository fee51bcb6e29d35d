/**
 * The layer of one `@cached` application (`CachedLayer`, one decorated method): its state in
 * each registry, its instance-scope memos, its key, the invoker it builds (hit-path.ts) and
 * the `control()` operations.
 */
import type { Call } from '../core/call.js';
import { argumentKey, entryKey } from '../core/key.js';
import type { ControlContext, Invoke, Shortcut, SiteInfo } from '../core/site.js';
import { PerOwner } from '../core/state.js';
import { PerRuntime } from '../core/per-runtime.js';
import { runtimeIfAny, runtimeOf } from '../core/runtime-of.js';
import type { Runtime } from '../core/runtime.js';
import { hitPath, hitShortcut } from './hit-path.js';
import { MethodCache } from './method-cache.js';
import type { ResolvedCachedOptions } from './options.js';
import type { OwnerMemo } from './owner-memo.js';
import { weakHits } from './weak-value.js';

/** The state and behaviour of one `@cached` application (one decorated method). */
export class CachedLayer {
  readonly opts: ResolvedCachedOptions;
  readonly #caches = new PerRuntime(
    (registry) => new MethodCache(registry, this.#site!, this.opts),
  );
  /** Instance scope: the memo of each owner. */
  readonly #owners: PerOwner<OwnerMemo>;
  #site: SiteInfo | undefined;
  /** Shared scope: the registry of the last call, and its memo (nearly every call uses one). */
  #lastRegistry: Runtime | undefined;
  #lastMemo: OwnerMemo | undefined;

  constructor(opts: ResolvedCachedOptions) {
    this.opts = opts;
    this.#owners = new PerOwner((owner) =>
      this.cacheFor(runtimeOf(owner), this.#site!).ownerMemo(),
    );
  }

  /** The method's state in `registry`, created (and validated against the registry) on first use. */
  cacheFor(registry: Runtime, site: SiteInfo): MethodCache {
    // One layer decorates one site: a control() operation may come before the first call.
    this.#site ??= site;
    return this.#caches.get(registry);
  }

  /** The full key of a call: the `key` option's result, else the stable argument key. */
  keyOf(instance: unknown, args: unknown[], site: SiteInfo): string {
    const userKey = this.opts.key;
    return userKey === undefined
      ? argumentKey(args, site.name)
      : entryKey(userKey.apply(instance, args), `@cached on ${site.name}`);
  }

  wrap(inner: Invoke, site: SiteInfo): Invoke {
    this.#site = site;
    const hit = hitPath({ site, opts: this.opts, inner, memoOf: this.#memoOf(site) });
    return this.opts.weak ? weakHits(hit) : hit;
  }

  /** The site's shortcut: the hit path of the commonest calls, without a `Call`. */
  shortcut(site: SiteInfo): Shortcut | undefined {
    if (this.opts.scope !== 'shared') {
      const owners = this.#owners;
      return hitShortcut(site, this.opts, (owner) => owners.peek(owner));
    }
    return hitShortcut(site, this.opts, (owner) =>
      this.#lastRegistry !== undefined && runtimeIfAny(owner) === this.#lastRegistry
        ? this.#lastMemo
        : undefined,
    );
  }

  /**
   * How a call finds its memo: its owner's (instance scope), or its registry's (shared scope;
   * the last registry's is kept, so the usual single registry costs one comparison).
   */
  #memoOf(site: SiteInfo): (call: Call) => OwnerMemo {
    if (this.opts.scope !== 'shared') {
      const owners = this.#owners;
      return (call) => owners.get(call.owner);
    }
    return (call) => {
      const registry = call.runtime;
      if (registry !== this.#lastRegistry) {
        this.#lastMemo = this.cacheFor(registry, site).sharedMemo!;
        this.#lastRegistry = registry;
      }
      return this.#lastMemo!;
    };
  }

  // ---- control() ---------------------------------------------------------------------

  async invalidateArgs(ctx: ControlContext, args: unknown[]): Promise<void> {
    const key = this.keyOf(ctx.site.kind === 'function' ? undefined : ctx.owner, args, ctx.site);
    if (this.opts.scope === 'instance') {
      this.#owners.peek(ctx.owner)?.delete(key);
      return;
    }
    const cache = this.cacheFor(ctx.runtime, ctx.site);
    await ctx.runtime.invalidate({ namespace: cache.namespace, key });
  }

  async clear(ctx: ControlContext): Promise<void> {
    if (this.opts.scope === 'instance') {
      this.#owners.peek(ctx.owner)?.clear();
      return;
    }
    const cache = this.cacheFor(ctx.runtime, ctx.site);
    await ctx.runtime.invalidate({ namespace: cache.namespace });
  }

  stats(ctx: ControlContext): Record<string, unknown> {
    const cache = this.cacheFor(ctx.runtime, ctx.site);
    const memo = this.opts.scope === 'instance' ? this.#owners.peek(ctx.owner) : cache.sharedMemo;
    return { ...cache.figures.toJSON(), entries: memo?.lru.size ?? 0 };
  }
}
