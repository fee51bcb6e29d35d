/**
 * Which runtime (registry) an owner uses: the one bound to it, else the default. The table
 * lives in core so that the wrapper, `control()` and the decorators find a call's registry
 * without importing the registry; the registry fills it (`bindHotpath`, the default `hotpath`).
 */
import { HotpathError } from '../errors.js';
import { optionError } from './options.js';
import type { PublicRegistry, Runtime } from './runtime.js';

const bound = new WeakMap<object, Runtime>();
/** Runtimes bound to every instance of a class, keyed by the class's prototype. */
const boundPrototypes = new WeakMap<object, Runtime>();
/** No binding yet: skip the WeakMap lookup on every call. */
let anyBound = false;
/** No class binding yet: an unbound instance costs one lookup, not two. */
let anyPrototypeBound = false;
let fallback: Runtime | undefined;

/** Makes `runtime` the one every unbound owner uses (done once, by the default registry). */
export function setDefaultRuntime(runtime: Runtime): void {
  fallback = runtime;
}

/**
 * The runtime unbound owners use. Throws `E_CONFIG` when no registry was loaded (core imported
 * on its own, without `hotpath`): a call would have nowhere to report or shut down.
 */
export function defaultRuntime(): Runtime {
  if (fallback === undefined) {
    throw new HotpathError(
      'E_CONFIG',
      "no hotpath registry is loaded: import 'hotpath' before calling a decorated method",
    );
  }
  return fallback;
}

/** Binds `owner` (an instance, a constructor or a wrapped function's token) to `runtime`. */
export function bindRuntime(owner: object, runtime: Runtime): void {
  bound.set(owner, runtime);
  anyBound = true;
}

/**
 * Binds every instance whose prototype is `prototype` (made by `new ctor()` itself, not by a
 * subclass) to `runtime`, including instances created later; an instance bound with
 * {@link bindRuntime} keeps its own binding. Costs one more `WeakMap` lookup per call of an
 * unbound instance once any prototype is bound.
 */
export function bindPrototypeRuntime(prototype: object, runtime: Runtime): void {
  boundPrototypes.set(prototype, runtime);
  anyBound = true;
  anyPrototypeBound = true;
}

/** The runtime bound to the instances of `prototype` with {@link bindPrototypeRuntime}, if any. */
export function prototypeRuntime(prototype: object): Runtime | undefined {
  return boundPrototypes.get(prototype);
}

/** The runtime `owner` (an instance, a constructor or a wrapped function's token) uses. */
export function runtimeOf(owner: object | undefined): Runtime {
  if (!anyBound || owner === undefined) return fallback ?? defaultRuntime();
  const runtime = bound.get(owner);
  if (runtime !== undefined || !anyPrototypeBound) return runtime ?? fallback ?? defaultRuntime();
  return (
    boundPrototypes.get(Object.getPrototypeOf(owner) as object) ?? fallback ?? defaultRuntime()
  );
}

/**
 * Like {@link runtimeOf}, but `undefined` where it would throw (no registry loaded): for the
 * shortcuts that must not throw (see `Shortcut` in site.ts).
 */
export function runtimeIfAny(owner: object): Runtime | undefined {
  if (!anyBound) return fallback;
  const runtime = bound.get(owner);
  if (runtime !== undefined || !anyPrototypeBound) return runtime ?? fallback;
  return boundPrototypes.get(Object.getPrototypeOf(owner) as object) ?? fallback;
}

const registries = new WeakMap<object, Runtime>();

/** Records that `registry` (a registry object users hold) runs on `runtime`. */
export function registerRuntime(registry: object, runtime: Runtime): void {
  registries.set(registry, runtime);
}

/**
 * The runtime of `registry`: what decorators use of it (its stores, clock, figures, error
 * event and shutdown tasks), which its public class does not show. For decorators written
 * outside hotpath and their tests. Throws a `TypeError` for anything but a registry made by
 * `createHotpath()`.
 */
export function registryRuntime(registry: PublicRegistry): Runtime {
  const runtime = runtimeOfRegistry(registry);
  if (runtime === undefined) {
    throw optionError(
      { where: 'registryRuntime' },
      'registry',
      'a registry made by createHotpath()',
      registry,
    );
  }
  return runtime;
}

/** The runtime of `registry` if it is a registry made by `createHotpath()`, else `undefined`. */
export function runtimeOfRegistry(registry: unknown): Runtime | undefined {
  return typeof registry === 'object' && registry !== null ? registries.get(registry) : undefined;
}
