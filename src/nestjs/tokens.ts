/**
 * The injection tokens `HotpathModule` provides. `Symbol.for(...)` so that two copies of
 * hotpath in one process (the ESM and the CommonJS build) agree on them.
 */

/**
 * The module's registry (`Hotpath`): inject it with `@InjectHotpath()` or
 * `@Inject(HOTPATH_REGISTRY)` for `stats()`, `report()`, `invalidate()`, `on('error')`.
 */
export const HOTPATH_REGISTRY: unique symbol = Symbol.for('hotpath.nestjs.registry');
