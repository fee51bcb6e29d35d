/**
 * The runtime decorators see of a registry (core's `Runtime`, `core/runtime.ts`): its public
 * configuration plus the internal hooks the registry keeps off its public class.
 */
import type { Runtime } from '../core/runtime.js';

/** The parts of a `Runtime` read from the registry's public configuration. */
type RuntimeConfig = Pick<
  Runtime,
  'registry' | 'name' | 'stores' | 'limiters' | 'bus' | 'lock' | 'clock' | 'pools' | 'invalidate'
>;

/**
 * What a registry hands {@link makeRuntime} of its private state: its hooks, and `isClosed`
 * for the `closed` flag (read on each access, so the runtime sees `shutdown()` at once).
 */
export type RuntimeHooks = Omit<Runtime, keyof RuntimeConfig | 'closed'> & {
  readonly isClosed: () => boolean;
};

/**
 * The runtime of `registry`: its configuration (read once: a registry's configuration does not
 * change), `invalidate` forwarded to its public method, and `hooks`. One object per registry,
 * made once by its constructor.
 */
export function makeRuntime(
  registry: Runtime['registry'] & Omit<RuntimeConfig, 'registry'>,
  hooks: RuntimeHooks,
): Runtime {
  return {
    registry,
    name: registry.name,
    stores: registry.stores,
    limiters: registry.limiters,
    bus: registry.bus,
    lock: registry.lock,
    clock: registry.clock,
    pools: registry.pools,
    get closed() {
      return hooks.isClosed();
    },
    refuses: hooks.refuses,
    shutdownError: hooks.shutdownError,
    metric: hooks.metric,
    section: hooks.section,
    emitError: hooks.emitError,
    emitSlow: hooks.emitSlow,
    hasListeners: hooks.hasListeners,
    addInvalidator: hooks.addInvalidator,
    invalidate: (target) => registry.invalidate(target),
    onShutdown: hooks.onShutdown,
  };
}
