/**
 * Which registry an instance uses: the one bound to it, else the default `hotpath`.
 */
import { optionError } from '../core/options.js';
import { siteOf } from '../core/site.js';
import { Hotpath } from './hotpath.js';

/** The default registry, used by every instance not bound to another one. */
export const hotpath: Hotpath = new Hotpath({ name: 'default' });

const bound = new WeakMap<object, Hotpath>();
/** Registries bound to every instance of a class, keyed by the class's prototype (see bindInstancesOf). */
const boundPrototypes = new WeakMap<object, Hotpath>();
/** No binding yet: skip the WeakMap lookup on every call. */
let anyBound = false;
/** No class binding yet: an unbound instance costs one lookup, not two. */
let anyPrototypeBound = false;

/**
 * Binds `target` to `registry`: its decorated methods then use that registry's stores,
 * limiters, stats and shutdown. `target` is an instance, a class (for its static methods), or a
 * function returned by a decorator's functional form. Returns `target`. Bind before the first
 * call; the container integration does this on activation.
 */
export function bindHotpath<T extends object>(target: T, registry: Hotpath): T {
  if (!(registry instanceof Hotpath)) {
    throw optionError(
      { where: 'bindHotpath' },
      'registry',
      'a registry made by createHotpath()',
      registry,
    );
  }
  bound.set(siteOf(target)?.token ?? target, registry);
  anyBound = true;
  return target;
}

/**
 * Binds every instance of `ctor` (made by `new ctor()` itself, not by a subclass) to
 * `registry`, including instances created later: for containers that build an instance per
 * request or per consumer (NestJS request- and transient-scoped providers), which no one sees
 * being created. An instance bound with {@link bindHotpath} keeps its own binding. Internal
 * (the NestJS integration uses it); costs one more `WeakMap` lookup per call of an unbound
 * instance once any class is bound.
 */
export function bindInstancesOf(
  ctor: abstract new (...args: never[]) => object,
  registry: Hotpath,
): void {
  boundPrototypes.set(ctor.prototype as object, registry);
  anyBound = true;
  anyPrototypeBound = true;
}

/** The registry bound to the instances of `ctor` with {@link bindInstancesOf}, if any. */
export function registryOfInstancesOf(
  ctor: abstract new (...args: never[]) => object,
): Hotpath | undefined {
  return boundPrototypes.get(ctor.prototype as object);
}

/** The registry `owner` (an instance, a constructor or a wrapped function's token) uses. */
export function registryOf(owner: object | undefined): Hotpath {
  if (!anyBound || owner === undefined) return hotpath;
  const registry = bound.get(owner);
  if (registry !== undefined || !anyPrototypeBound) return registry ?? hotpath;
  return boundPrototypes.get(Object.getPrototypeOf(owner) as object) ?? hotpath;
}
