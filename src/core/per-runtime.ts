/**
 * Per-registry state of a decorator: what one method (or one decorator) keeps for each
 * registry it runs in (its method cache, its shared limiters, its shutdown hook).
 */
import type { Runtime } from './runtime.js';

/**
 * A lazily filled `WeakMap` from runtime (`call.runtime`) to state, the per-registry
 * counterpart of `PerOwner`. A registry that is dropped takes its state with it; the state
 * does not keep the registry alive through this table. Cost: one `WeakMap` lookup per `get`.
 */
export class PerRuntime<S> {
  readonly #states = new WeakMap<Runtime, S>();
  readonly #create: (runtime: Runtime) => S;

  /** `create` makes the state for a runtime on its first use; if it throws, nothing is kept. */
  constructor(create: (runtime: Runtime) => S) {
    this.#create = create;
  }

  /** The runtime's state, created on first use. */
  get(runtime: Runtime): S {
    let state = this.#states.get(runtime);
    if (state === undefined) this.#states.set(runtime, (state = this.#create(runtime)));
    return state;
  }

  /** The runtime's state if it has one (for reads that must not create state). */
  peek(runtime: Runtime): S | undefined {
    return this.#states.get(runtime);
  }
}
