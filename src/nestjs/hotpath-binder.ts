/**
 * Binds the providers and controllers of a Nest application to the `HotpathModule` registries,
 * found with Nest's `DiscoveryService`, and shuts the registry down with the application.
 */
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { DiscoveryService, ModulesContainer } from '@nestjs/core';
import { configError, type OptionSite } from '../core/options.js';
import {
  bindHotpath,
  bindInstancesOf,
  hotpath,
  registryOf,
  registryOfInstancesOf,
} from '../registry/binding.js';
import type { Hotpath } from '../registry/hotpath.js';
import { hasDecoratedMethods } from '../core/decorated-methods.js';

type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];
type Module = InstanceWrapper extends { readonly host?: infer M } ? NonNullable<M> : never;

const SITE: OptionSite = { where: 'HotpathModule' };

/**
 * One per `HotpathModule` (a provider of it). At module init it binds every provider and
 * controller with hotpath-decorated methods whose module imports this `HotpathModule`, or, for
 * the global one, whose module imports no `HotpathModule` at all:
 *
 * - singletons (a static dependency tree): the instance, with `bindHotpath`;
 * - request-scoped, transient and durable providers, and singletons depending on them: every
 *   instance of the class, including those Nest creates later, per request or per consumer.
 *   Class providers only: a factory provider of such a scope cannot be seen being created, so
 *   its instances use the default registry unless the factory calls `bindHotpath`.
 *
 * An instance already bound to a registry (by `bindHotpath` in its constructor) keeps it. At
 * module destroy (`app.close()`, or a signal with `enableShutdownHooks()`) it awaits
 * `registry.shutdown()`. Cost: a scan of the prototypes once per class at startup; nothing per call.
 */
export class HotpathBinder implements OnModuleInit, OnModuleDestroy {
  constructor(
    readonly registry: Hotpath,
    private readonly discovery: DiscoveryService,
    private readonly modules: ModulesContainer,
    private readonly moduleClass: object,
  ) {}

  onModuleInit(): void {
    const own = this.#ownModule();
    const globals = [...this.modules.values()].filter(
      (m) => m.metatype === this.moduleClass && m.isGlobal,
    );
    if (globals.length > 1) {
      throw configError(
        SITE,
        `${globals.length} global HotpathModules in one application; give the feature ones \`global: false\` and import them where they apply`,
      );
    }
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    for (const wrapper of wrappers) {
      if (wrapper.host === undefined || this.#registryModule(wrapper.host, globals[0]) !== own)
        continue;
      this.#bind(wrapper);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.registry.shutdown();
  }

  #ownModule(): Module | undefined {
    for (const m of this.modules.values()) {
      if (m.metatype !== this.moduleClass) continue;
      for (const wrapper of m.providers.values()) if (wrapper.instance === this) return m;
    }
    return undefined;
  }

  /** The HotpathModule whose registry `host`'s providers use (undefined: the default registry). */
  #registryModule(host: Module, global: Module | undefined): Module | undefined {
    if (host.metatype === this.moduleClass) return undefined;
    // Nest adds every global module to each module's imports: only the explicit ones choose.
    const imported = [...host.imports].filter(
      (m) => m.metatype === this.moduleClass && !m.isGlobal,
    );
    if (imported.length > 1) {
      throw configError(
        SITE,
        `module ${host.metatype.name} imports ${imported.length} non-global HotpathModules; a module's providers use one registry`,
      );
    }
    return imported[0] ?? global;
  }

  #bind(wrapper: InstanceWrapper): void {
    const { registry } = this;
    if (wrapper.isDependencyTreeStatic() && !wrapper.isTransient) {
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null) return;
      if (!hasDecoratedMethods(Object.getPrototypeOf(instance) as object)) return;
      if (registryOf(instance) === hotpath) bindHotpath(instance, registry);
      return;
    }
    const ctor = wrapper.metatype;
    if (wrapper.inject || typeof ctor !== 'function' || !ctor.prototype) return;
    if (!hasDecoratedMethods(ctor.prototype as object)) return;
    const cls = ctor as abstract new (...args: never[]) => object;
    const current = registryOfInstancesOf(cls);
    if (current !== undefined && current !== registry) {
      throw configError(
        SITE,
        `${ctor.name} is provided with scope ${String(wrapper.scope)} in modules with different hotpath registries ('${current.name}' and '${registry.name}'); its instances can use only one`,
      );
    }
    bindInstancesOf(cls, registry);
  }
}
