/**
 * `HotpathModule`: a hotpath registry for a Nest application (or for some of its modules),
 * its providers and controllers bound to it automatically, shut down with the application.
 */
import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, ModulesContainer } from '@nestjs/core';
import { configError, describeValue, type OptionSite } from '../core/options.js';
import { createHotpath, type Hotpath } from '../registry/hotpath.js';
import type { HotpathConfig } from '../registry/types.js';
import { HotpathBinder } from './hotpath-binder.js';
import { HOTPATH_REGISTRY } from './tokens.js';

/** Whether the module is global; shared by {@link HotpathModuleOptions} and the async form. */
interface Scoping {
  /**
   * A global module's registry serves every module that imports no `HotpathModule` itself, and
   * is injectable everywhere. One global `HotpathModule` per application; give the others
   * `global: false` and import them in the modules they serve.
   *
   * @default true
   */
  global?: boolean;
}

/**
 * Options of {@link HotpathModule.forRoot}: the registry's config (`stores`, `limiters`, `bus`,
 * `lock`, `clock`, `name`, and whatever `createHotpath` takes; `name` defaults to `'nest'`),
 * plus `global`.
 */
export interface HotpathModuleOptions extends HotpathConfig, Scoping {}

/** Options of {@link HotpathModule.forRootAsync}: the registry's config from a factory. */
export interface HotpathModuleAsyncOptions extends Scoping {
  /** Modules whose exports the factory injects (e.g. `ConfigModule`). @default [] */
  imports?: ModuleMetadata['imports'];
  /** Tokens whose values the factory receives, in order (e.g. `ConfigService`). @default [] */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inject?: any[];
  /** Builds the registry's config (stores, limiters, bus from `ConfigService`, ...); may be async. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  useFactory: (...args: any[]) => HotpathConfig | Promise<HotpathConfig>;
}

const SITE: OptionSite = { where: 'HotpathModule' };
/** Makes every forRoot() a module of its own, whatever Nest's module-id algorithm. */
let instances = 0;
const INSTANCE = Symbol.for('hotpath.nestjs.instance');

/**
 * A hotpath registry as a Nest module.
 *
 * - `HotpathModule.forRoot(config)` / `forRootAsync({ imports, inject, useFactory })` build a
 *   registry (`createHotpath`) and provide it under {@link HOTPATH_REGISTRY}
 *   (`@InjectHotpath()`).
 * - At module init every provider and controller with hotpath-decorated methods is bound to it,
 *   found with Nest's `DiscoveryService`: those of the modules that import this module, and,
 *   for the global one (the default), of every module that imports no `HotpathModule`.
 *   Request-scoped and transient class providers are bound by class, so each instance Nest
 *   creates later uses the registry. No `bindHotpath(this, registry)` in constructors.
 * - At module destroy (`app.close()`, or SIGTERM with `app.enableShutdownHooks()`) it awaits
 *   `registry.shutdown()`: pending batches and trailing debounced calls are flushed, limiters
 *   stopped, bus and stores closed. Nest destroys a global module after the modules that use
 *   it, and before any `beforeApplicationShutdown`/`onApplicationShutdown` hook (where ORMs
 *   close their connections), so flushed work still reaches them.
 */
export class HotpathModule {
  /** A registry built from `config` (`name` defaults to `'nest'`). */
  static forRoot(config: HotpathModuleOptions = {}): DynamicModule {
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw configError(SITE, `config must be an object, got ${describeValue(config)}`);
    }
    const { global, ...registryConfig } = config;
    return HotpathModule.#module(global, [], {
      provide: HOTPATH_REGISTRY,
      useFactory: () => createHotpath({ ...registryConfig, name: registryConfig.name ?? 'nest' }),
    });
  }

  /**
   * A registry built from the config `useFactory` returns (given the `inject` tokens, from
   * `imports`): stores, limiters and bus from `ConfigService`, say.
   */
  static forRootAsync(options: HotpathModuleAsyncOptions): DynamicModule {
    if (
      options === null ||
      typeof options !== 'object' ||
      typeof options.useFactory !== 'function'
    ) {
      throw configError(SITE, `forRootAsync() needs { useFactory }, got ${describeValue(options)}`);
    }
    const { useFactory, inject = [], imports = [], global } = options;
    return HotpathModule.#module(global, imports, {
      provide: HOTPATH_REGISTRY,
      useFactory: async (...args: unknown[]) => {
        const config = await useFactory(...args);
        return createHotpath({ ...config, name: config?.name ?? 'nest' });
      },
      inject,
    });
  }

  static #module(
    global: boolean | undefined,
    imports: NonNullable<ModuleMetadata['imports']>,
    registry: Provider,
  ): DynamicModule {
    return {
      module: HotpathModule,
      global: global ?? true,
      imports: [DiscoveryModule, ...imports],
      providers: [
        { provide: INSTANCE, useValue: ++instances },
        registry,
        {
          provide: HotpathBinder,
          useFactory: (r: Hotpath, d: DiscoveryService, m: ModulesContainer) =>
            new HotpathBinder(r, d, m, HotpathModule),
          inject: [HOTPATH_REGISTRY, DiscoveryService, ModulesContainer],
        },
      ],
      exports: [HOTPATH_REGISTRY],
    };
  }
}
// src/ is compiled without decorator syntax: the decorator is applied by hand.
Module({})(HotpathModule);
