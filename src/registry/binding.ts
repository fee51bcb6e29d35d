/**
 * Which registry an instance uses: the one bound to it, else the default `hotpath`. The
 * owner table itself is core's (`core/runtime-of.ts`), so calls find their registry without
 * importing this module.
 */
import { optionError } from '../core/options.js';
import {
  bindPrototypeRuntime,
  bindRuntime,
  prototypeRuntime,
  registryRuntime,
  runtimeOf,
  setDefaultRuntime,
} from '../core/runtime-of.js';
import { siteOf } from '../core/site.js';
import { Hotpath } from './hotpath.js';

/** The default registry, used by every instance not bound to another one. */
export const hotpath: Hotpath = new Hotpath({ name: 'default' });
setDefaultRuntime(registryRuntime(hotpath));

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
  bindRuntime(siteOf(target)?.token ?? target, registryRuntime(registry));
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
  bindPrototypeRuntime(ctor.prototype as object, registryRuntime(registry));
}

/** The registry bound to the instances of `ctor` with {@link bindInstancesOf}, if any. */
export function registryOfInstancesOf(
  ctor: abstract new (...args: never[]) => object,
): Hotpath | undefined {
  return prototypeRuntime(ctor.prototype as object)?.registry;
}

/** The registry `owner` (an instance, a constructor or a wrapped function's token) uses. */
export function registryOf(owner: object | undefined): Hotpath {
  return runtimeOf(owner).registry;
}
