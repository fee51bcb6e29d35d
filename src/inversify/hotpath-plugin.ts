/**
 * `HotpathPlugin`: binds every decorated value a container resolves to its registry, without
 * listing services. An inversify 8 container plugin (`container.register(HotpathPlugin)`).
 *
 * How: inversify 8 has no hook that sees resolved values, but its plugin API sees every plan
 * (`onPlan`), and a plan names every service identifier a resolution will go through (the
 * requested one and, for class bindings, each constructor and property dependency). For each
 * identifier seen, the plugin adds one activation (through the plugin context's activation
 * service, what `container.onActivation(id, ...)` does) that binds a value with
 * hotpath-decorated methods to the container's registry. Plans are cached, so this runs once
 * per identifier; when `unbind`/`rebind` drops the identifier's activations, the plugin puts
 * its own back (a rebind updates cached plans in place, so no new plan would show it).
 *
 * The plugin contract is the one of `@inversifyjs/plugin` 0.3 (a class marked with
 * `Symbol.for('@inversifyjs/plugin/isPlugin')`, built with the container and a context, then
 * `load(api)`); it is implemented here structurally so that the package is not a peer of ours.
 */
import type { ResolutionContext, ServiceIdentifier } from 'inversify';
import { hasDecoratedMethods } from '../core/decorated-methods.js';
import { siteOf } from '../core/site.js';
import { hotpathActivation } from './hotpath-module.js';

/** What `@inversifyjs/plugin` marks a plugin with (`Symbol.for`, shared by every copy). */
const IS_PLUGIN = Symbol.for('@inversifyjs/plugin/isPlugin');

type Activation = (context: ResolutionContext, value: unknown) => unknown;

/** The part of the plugin context the plugin uses (inversify's `ActivationsService`). */
interface PluginContextLike {
  readonly activationService: {
    add(activation: Activation, relation: { serviceId: ServiceIdentifier }): void;
    get(serviceId: ServiceIdentifier): Iterable<Activation> | undefined;
    removeAllByServiceId(serviceId: ServiceIdentifier): void;
  };
}

/** A node of a plan tree: a service node (`serviceIdentifier`, `bindings`) or a binding node. */
interface PlanNodeLike {
  readonly serviceIdentifier?: ServiceIdentifier;
  readonly bindings?: PlanNodeLike | readonly PlanNodeLike[];
  readonly constructorParams?: readonly (PlanNodeLike | undefined)[];
  readonly propertyParams?: ReadonlyMap<unknown, PlanNodeLike>;
  readonly params?: readonly PlanNodeLike[];
  readonly redirections?: readonly PlanNodeLike[];
}

/** The part of the plugin API the plugin uses. */
interface PluginApiLike {
  onPlan(
    handler: (options: unknown, result: { readonly tree: { readonly root: unknown } }) => void,
  ): void;
}

/** Whether `value` has hotpath-decorated methods (an instance) or is a wrapped function. */
function isDecorated(value: unknown): boolean {
  if (typeof value === 'function') return siteOf(value) !== undefined;
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype !== null && hasDecoratedMethods(prototype);
}

/**
 * An inversify 8 plugin: `container.register(HotpathPlugin)` (with `hotpathModule()` loaded)
 * binds every value the container resolves that has hotpath-decorated methods (or is a
 * function wrapped by a decorator) to the container's registry, as if each binding had
 * `.onActivation(hotpathActivation)`: no `services` list. Register it before the first
 * resolution: a singleton resolved earlier was activated without it. Values without
 * decorated methods are untouched; a decorated value resolved from a container without
 * `hotpathModule()` is a `TypeError` (as with `hotpathActivation`), and so is one instance
 * bound in two containers. Cost: one activation per service identifier, run on each activation
 * (a `WeakMap` read per class).
 */
export class HotpathPlugin {
  readonly [IS_PLUGIN] = true;
  readonly #context: PluginContextLike;
  /** One activation function per identifier (inversify 8.2.3 needs distinct functions). */
  readonly #activations = new Map<ServiceIdentifier, Activation>();

  constructor(_container: unknown, context: PluginContextLike) {
    this.#context = context;
    // inversify drops an identifier's activations when it is unbound, but on a rebind it updates
    // the cached plans in place instead of planning again, so onPlan would not see the
    // identifier again: put ours back as soon as they are dropped (harmless while unbound).
    const service = context.activationService;
    const removeAll = service.removeAllByServiceId.bind(service);
    service.removeAllByServiceId = (id) => {
      removeAll(id);
      const activation = this.#activations.get(id);
      if (activation !== undefined) service.add(activation, { serviceId: id });
    };
  }

  load(api: PluginApiLike): void {
    api.onPlan((_options, result) => this.#visit(result.tree.root as PlanNodeLike, new Set()));
  }

  #visit(node: PlanNodeLike | undefined, seen: Set<PlanNodeLike>): void {
    if (node === undefined || seen.has(node)) return;
    seen.add(node);
    if (node.serviceIdentifier !== undefined) this.#activate(node.serviceIdentifier);
    const bindings = node.bindings;
    if (Array.isArray(bindings)) for (const b of bindings) this.#visit(b, seen);
    else this.#visit(bindings as PlanNodeLike | undefined, seen);
    for (const child of node.constructorParams ?? []) this.#visit(child, seen);
    for (const child of node.propertyParams?.values() ?? []) this.#visit(child, seen);
    for (const child of node.params ?? []) this.#visit(child, seen);
    for (const child of node.redirections ?? []) this.#visit(child, seen);
  }

  #activate(id: ServiceIdentifier): void {
    const service = this.#context.activationService;
    let activation = this.#activations.get(id);
    if (activation !== undefined && [...(service.get(id) ?? [])].includes(activation)) return;
    activation ??= (context, value) =>
      isDecorated(value) ? hotpathActivation(context, value) : value;
    this.#activations.set(id, activation);
    service.add(activation, { serviceId: id });
  }
}
