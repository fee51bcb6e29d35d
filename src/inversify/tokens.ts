/**
 * The service identifiers `hotpathModule()` binds. They are `Symbol.for(...)` symbols so that
 * two copies of hotpath in one process (the ESM and the CommonJS build, say) agree on them.
 */

/**
 * The container's registry (`Hotpath`, built by `hotpathModule()` from the tokens below,
 * singleton per container). Inject it to call `stats()`, `report()`, `invalidate()`, `on('error')`.
 */
export const HOTPATH_REGISTRY: unique symbol = Symbol.for('hotpath.inversify.registry');

/**
 * Named shared cache tiers, `Record<string, CacheStore>` (keyv instances fit). Bound from
 * `config.stores`, or bind your own provider: `bind(HOTPATH_STORES).toDynamicValue(...)`.
 */
export const HOTPATH_STORES: unique symbol = Symbol.for('hotpath.inversify.stores');

/**
 * Named limiters, `Record<string, RateLimitOptions | Bottleneck>`. Bound from `config.limiters`,
 * or bind your own provider.
 */
export const HOTPATH_LIMITERS: unique symbol = Symbol.for('hotpath.inversify.limiters');

/** The cross-process invalidation bus (`InvalidationBus`). Bound from `config.bus`, or bind your own. */
export const HOTPATH_BUS: unique symbol = Symbol.for('hotpath.inversify.bus');

/** The cross-process single-flight lock (`SingleFlightLock`). Bound from `config.lock`, or bind your own. */
export const HOTPATH_LOCK: unique symbol = Symbol.for('hotpath.inversify.lock');

/** The registry's time source (`Clock`). Bound from `config.clock`, or bind your own. */
export const HOTPATH_CLOCK: unique symbol = Symbol.for('hotpath.inversify.clock');

/**
 * Named pools, `Record<string, ResourcePool | ObjectPool>` (`pool()`, `objectPool()`). Bound
 * from `config.pools`, or bind your own provider: a pool belongs to one registry, so a module
 * loaded into several containers needs a provider that makes each container its own pools
 * (`bind(HOTPATH_POOLS).toDynamicValue(() => ({ db: pool({ ... }) })).inSingletonScope()`).
 */
export const HOTPATH_POOLS: unique symbol = Symbol.for('hotpath.inversify.pools');
