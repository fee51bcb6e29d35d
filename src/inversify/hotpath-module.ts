/**
 * `hotpathModule(config)`: one hotpath registry per inversify container, its parts bound as
 * ordinary providers, and decorated services resolved from the container bound to it.
 *
 * Why an activation and not something automatic: inversify 8 runs activations per service
 * identifier only (a binding's `onActivation`, or the container's / a module's
 * `onActivation(id, ...)`); it has no hook that sees every resolved value. So the module
 * registers {@link hotpathActivation} for the identifiers listed in `services`, and
 * `hotpathActivation` can be put on any binding (`.onActivation(hotpathActivation)`) or called
 * inside a `toDynamicValue` factory (the route for TC39-decorator code, which has no
 * constructor parameter decorators). A decorated instance that is resolved without any of
 * these uses the default registry, exactly as it would outside a container. The automatic way
 * is `HotpathPlugin` (`hotpath-plugin.ts`), which adds such activations for every
 * identifier it sees planned.
 */
import { ContainerModule, type ResolutionContext, type ServiceIdentifier } from 'inversify';
import type { Clock } from '../core/clock.js';
import type { AnyPool } from '../pool/registry-pools.js';
import { configError, describeValue, optionError, type OptionSite } from '../core/options.js';
import { siteOf } from '../core/site.js';
import { hotpath, registryOf, bindHotpath } from '../registry/binding.js';
import { createHotpath, type Hotpath } from '../registry/hotpath.js';
import type {
  CacheStore,
  HotpathConfig,
  InvalidationBus,
  SingleFlightLock,
} from '../registry/types.js';
import {
  HOTPATH_BUS,
  HOTPATH_CLOCK,
  HOTPATH_LIMITERS,
  HOTPATH_LOCK,
  HOTPATH_POOLS,
  HOTPATH_REGISTRY,
  HOTPATH_STORES,
} from './tokens.js';

/**
 * Options of {@link hotpathModule}: the registry's {@link HotpathConfig} (its `name` defaults to
 * `'container'` here; every other registry option is passed on as given), plus `services`.
 */
export interface HotpathModuleConfig extends HotpathConfig {
  /**
   * Service identifiers whose resolved values use this container's registry (the module
   * registers {@link hotpathActivation} for each, removed again when the module is unloaded).
   * Or put `.onActivation(hotpathActivation)` on bindings instead, or both.
   *
   * @default []
   */
  services?: readonly ServiceIdentifier[];
}

const SITE: OptionSite = { where: 'hotpathModule' };
const ACTIVATION: OptionSite = { where: 'hotpathActivation' };

/** The config parts bound under their own tokens (so users can bind providers instead). */
const PARTS = [
  ['stores', HOTPATH_STORES],
  ['limiters', HOTPATH_LIMITERS],
  ['bus', HOTPATH_BUS],
  ['lock', HOTPATH_LOCK],
  ['clock', HOTPATH_CLOCK],
  ['pools', HOTPATH_POOLS],
] as const;

/**
 * An inversify `ContainerModule` that gives the container its own hotpath registry.
 *
 * - Binds each part given in `config` (`stores`, `limiters`, `bus`, `lock`, `clock`, `pools`)
 *   as a constant under its token ({@link HOTPATH_STORES}, ..., {@link HOTPATH_POOLS}). Leave a part out of `config` and
 *   bind the token yourself to plug in your own backend
 *   (`container.bind(HOTPATH_STORES).toDynamicValue(...)`, before the registry is first
 *   resolved); giving a part both ways is an ambiguous binding that inversify reports.
 *   Providers must be synchronous.
 * - Binds {@link HOTPATH_REGISTRY} as a singleton built on first resolution from whatever those
 *   tokens resolve to (unbound ones are left out). Loading the module into two containers
 *   makes two registries; they share nothing but the objects you passed to both.
 * - Registers {@link hotpathActivation} for every identifier in `config.services`. inversify
 *   drops an identifier's activations when it is unbound: after `container.rebind(X)` or
 *   `unbind(X)`, put `.onActivation(hotpathActivation)` on the new binding.
 * - Unloading the module (`await container.unloadAsync(module)`), unbinding the registry, or
 *   tearing the container down (`await container.unbindAllAsync()`) calls the registry's
 *   `shutdown()` and resolves when it is done: pending batches and trailing calls are
 *   flushed, limiters stopped, bus and stores closed. The shutdown is asynchronous, so
 *   inversify's synchronous `unload()`/`unbindAll()` reject it with "Unexpected asynchronous
 *   ..." (the shutdown has started by then): use the async forms. A registry never resolved
 *   has nothing to shut down, and leaves the stores you passed open.
 *
 * Cost: nothing per call; one `ctx.get(HOTPATH_REGISTRY)` and one `WeakMap` write per activation.
 *
 * @example
 * const container = new Container();
 * container.load(hotpathModule({ stores: { shared: createKeyv(url) }, services: [UserService] }));
 * container.bind(UserService).toSelf().inSingletonScope();
 * container.get(UserService); // its @cached({ store: 'shared' }) uses this container's store
 */
export function hotpathModule(config: HotpathModuleConfig = {}): ContainerModule {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw configError(SITE, `config must be an object, got ${describeValue(config)}`);
  }
  const services = config.services ?? [];
  if (!Array.isArray(services)) {
    throw optionError(SITE, 'services', 'an array of service identifiers', services);
  }
  services.forEach((id: unknown, i) => {
    if (typeof id !== 'function' && typeof id !== 'string' && typeof id !== 'symbol') {
      throw optionError(
        SITE,
        `services[${i}]`,
        'a service identifier (a class, string or symbol)',
        id,
      );
    }
  });
  // Copied now: later changes to the caller's config object do not reach containers.
  const { services: _services, stores, limiters, bus, lock, clock, pools, ...rest } = config;
  const given = { stores, limiters, bus, lock, clock, pools };
  const parts = PARTS.flatMap(([key, token]) =>
    given[key] === undefined ? [] : [[token, given[key]] as const],
  );
  // Everything else (`name`, and whatever registry options come later) goes to createHotpath.
  const registryConfig: HotpathConfig = { ...rest, name: rest.name ?? 'container' };
  const ids = [...services];

  return new ContainerModule(({ bind, onActivation }) => {
    for (const [token, value] of parts) bind(token).toConstantValue(value);
    bind<Hotpath>(HOTPATH_REGISTRY)
      .toDynamicValue((ctx) =>
        createHotpath({
          ...registryConfig,
          stores: ctx.get<Record<string, CacheStore>>(HOTPATH_STORES, { optional: true }),
          limiters: ctx.get<Record<string, object>>(HOTPATH_LIMITERS, { optional: true }),
          bus: ctx.get<InvalidationBus>(HOTPATH_BUS, { optional: true }),
          lock: ctx.get<SingleFlightLock>(HOTPATH_LOCK, { optional: true }),
          clock: ctx.get<Clock>(HOTPATH_CLOCK, { optional: true }),
          pools: ctx.get<Record<string, AnyPool>>(HOTPATH_POOLS, { optional: true }),
        }),
      )
      .inSingletonScope()
      .onDeactivation(async (registry) => void (await registry.shutdown()));
    // A fresh function per identifier: inversify 8.2.3 loses track of one activation function
    // registered for several identifiers and throws in `unbindAll()` ("Expecting model
    // relation, none found").
    for (const id of ids) onActivation(id, (ctx, value) => hotpathActivation(ctx, value));
  });
}

/**
 * Binds a resolved value to the resolving container's registry ({@link HOTPATH_REGISTRY}) and
 * returns it, so its decorated methods use that container's stores, limiters, stats and
 * shutdown. An inversify `BindingActivation`:
 *
 * - on a binding: `container.bind(UserService).toSelf().onActivation(hotpathActivation)`;
 * - for an identifier: `container.onActivation(UserService, (ctx, v) => hotpathActivation(ctx, v))`
 *   (what `hotpathModule({ services })` does; a fresh arrow per identifier, because inversify
 *   8.2.3's `unbindAll()` throws when one function is registered for several identifiers);
 * - in a factory (TC39 decorators, no constructor injection):
 *   `bind(UserService).toDynamicValue((ctx) => hotpathActivation(ctx, new UserService(ctx.get(UserRepository))))`.
 *
 * Values that are not objects or functions are returned untouched; a container without
 * {@link HOTPATH_REGISTRY} (no `hotpathModule()` loaded) is a `TypeError`. Activate each instance
 * before its first decorated call. One instance cannot serve two registries: a value already
 * bound to another container's registry (a constant bound in two containers) throws a
 * `TypeError` instead of silently moving its caches and limits.
 */
export function hotpathActivation<T>(context: ResolutionContext, value: T): T {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return value;
  const registry = context.get<Hotpath>(HOTPATH_REGISTRY, { optional: true });
  if (registry === undefined) {
    throw configError(
      ACTIVATION,
      `${describeOwner(value)} was resolved from a container without a hotpath registry (load hotpathModule() into it, or into a parent container)`,
    );
  }
  // A wrapped function's state is keyed by its site token, which is what bindHotpath binds.
  const current = registryOf(siteOf(value)?.token ?? value);
  if (current !== hotpath && current !== registry) {
    throw configError(
      ACTIVATION,
      `${describeOwner(value)} is already bound to the hotpath registry '${current.name}'; ` +
        `one instance cannot use two containers' registries (bind a new instance per container, e.g. inSingletonScope() instead of toConstantValue())`,
    );
  }
  return bindHotpath(value, registry);
}

function describeOwner(value: object): string {
  if (typeof value === 'function') return value.name ? `function ${value.name}` : 'a function';
  const ctor = (value as { constructor?: { name?: string } }).constructor;
  return ctor?.name ? `this ${ctor.name} instance` : 'this value';
}
