/**
 * One call of a decorated method as the middleware chain sees it.
 */
import type { PublicRegistry, Runtime } from './runtime.js';
import { runtimeOf } from './runtime-of.js';
import type { SiteInfo } from './site.js';

/**
 * A call in flight. Middleware may read everything and replace or mutate `args` before
 * calling `next()`; the method receives whatever `args` holds then.
 *
 * One object per call that runs the chain (a `@cached` hit answered by the site's shortcut makes
 * none); its registry is looked up on first access only.
 */
export class Call<A extends unknown[] = unknown[]> {
  /** The arguments the method will receive (mutable before `next()`). */
  args: A;
  /** `this` of the call: the instance, the constructor for static methods, or whatever a wrapped function was called with. */
  readonly instance: unknown;
  /**
   * Whose state this call uses: the instance (or constructor) for methods, the wrapped
   * function's own token for the functional form. Decorators key their per-instance state by it.
   */
  readonly owner: object;
  /** The decorated method this call belongs to. */
  readonly site: SiteInfo;
  #runtime: Runtime | undefined = undefined;

  constructor(site: SiteInfo, instance: unknown, owner: object, args: A) {
    this.site = site;
    this.instance = instance;
    this.owner = owner;
    this.args = args;
  }

  /** Name of the class declaring the method (`''` for plain functions). */
  get className(): string {
    return this.site.className;
  }

  /** Name of the method (or of the wrapped function). */
  get method(): string {
    return this.site.method;
  }

  /** The registry this call's instance is bound to (else the default registry). */
  get registry(): PublicRegistry {
    return this.runtime.registry;
  }

  /**
   * What a decorator uses of that registry: its stores, limiters, bus, lock and clock, where to
   * report figures and errors, and its shutdown tasks (see {@link Runtime}).
   */
  get runtime(): Runtime {
    return (this.#runtime ??= runtimeOf(this.owner));
  }
}

/**
 * A user middleware for `@use(...)`: receives the call and `next`, which runs the rest of the
 * chain (the remaining middleware and the method) with the current `call.args`. Whatever it
 * returns is what the caller gets.
 */
export type Middleware = (call: Call, next: () => unknown) => unknown;
