/**
 * Per-owner state: what makes every decorator's timers, memo tables and queues belong to one
 * instance (or one constructor, or one wrapped function) instead of to the prototype.
 */
import type { Runtime } from './runtime.js';
import type { SiteInfo } from './site.js';

/**
 * A lazily filled `WeakMap` from state owner (`call.owner`) to state. Owners that are garbage
 * collected take their state with them. Cost: one `WeakMap` lookup per `get`.
 */
export class PerOwner<S> {
  readonly #states = new WeakMap<object, S>();
  readonly #create: (owner: object) => S;

  /** `create` makes the state of an owner on its first use. */
  constructor(create: (owner: object) => S) {
    this.#create = create;
  }

  /** The owner's state, created on first use. */
  get(owner: object): S {
    let state = this.#states.get(owner);
    if (state === undefined) this.#states.set(owner, (state = this.#create(owner)));
    return state;
  }

  /** The owner's state if it has one (for `control()` operations that must not create state). */
  peek(owner: object): S | undefined {
    return this.#states.get(owner);
  }

  /** Forgets the owner's state. */
  delete(owner: object): void {
    this.#states.delete(owner);
  }
}

/**
 * Returns `figuresOf(registry, site)`: the figures object of `decorator` on `site` in that
 * registry (`registry.metric(site, decorator, create)`), remembering the registry seen
 * last — nearly every call in a process uses one registry — so the hot path skips the
 * registry's map lookups. Make one per decorated method.
 */
export function figuresCache<T extends object>(
  decorator: string,
  create: () => T,
): (registry: Runtime, site: SiteInfo) => T {
  let lastRegistry: Runtime | undefined;
  let lastFigures: T | undefined;
  return (registry, site) => {
    if (registry !== lastRegistry) {
      lastFigures = registry.metric(site, decorator, create);
      lastRegistry = registry;
    }
    return lastFigures!;
  };
}
