/**
 * The tarn pool under a `ResourcePool`: built from the resolved options, with two changes to
 * tarn's behaviour (a destroy in progress counts against `max`; a lent resource can be
 * destroyed), through the internals `TarnInternals` names (tarn.ts).
 */
import { describeValue } from '../core/options.js';
import type { ResolvedPoolOptions } from './options.js';
import { tarn, type TarnInternals, type TarnPool } from './tarn.js';

/**
 * How long one `destroy()` may take before its slot counts as free again (tarn's default): a
 * close that a frozen server never answers must not shrink the pool for ever.
 */
const DESTROY_TIMEOUT_MS = 5_000;

/** What {@link buildTarnPool} wires tarn to: the pool's options and its bookkeeping. */
export interface TarnPoolSetup<T> {
  options: ResolvedPoolOptions<T>;
  /** The pool's name now (a registry may rename it), for a `create()` that returned nothing. */
  name(): string;
  /** Where tarn's log lines and failures of `destroy()` go. */
  onError(error: unknown): void;
  /** Whether an idle resource may be lent (tarn's `validate`; called without a receiver). */
  validate(resource: T): boolean | Promise<boolean>;
  /** tarn created `resource`. */
  created(resource: T): void;
  /** A `create()` failed or timed out. */
  createFailed(error: unknown): void;
  /** tarn starts destroying `resource` (every reason, the reaper's too). */
  destroying(resource: T): void;
}

/** A tarn pool for `setup`, which counts destroys in progress against `max`. */
export function buildTarnPool<T>(setup: TarnPoolSetup<T>): TarnPool<T> {
  const o = setup.options;
  const { Pool } = tarn();
  const pool = new Pool<T>({
    create: (() => create(setup)) as never,
    destroy: (resource: T) => destroyResource(setup, resource),
    validate: setup.validate as never,
    min: o.min,
    max: o.max,
    acquireTimeoutMillis: o.acquireTimeoutMs,
    createTimeoutMillis: o.createTimeoutMs,
    idleTimeoutMillis: o.idleTimeoutMs,
    destroyTimeoutMillis: DESTROY_TIMEOUT_MS,
    // The reaper runs at most every second, and often enough for short idle timeouts.
    reapIntervalMillis: Math.max(1, Math.min(1_000, Math.ceil(o.idleTimeoutMs / 2))),
    log: (message: string) => setup.onError(new Error(message)),
  });
  // tarn counts a resource as gone as soon as it starts destroying it, and creates its
  // replacement at once: for as long as the old connection takes to close, `max + 1` would be
  // open. Resources being destroyed count against `max` here, and a finished destroy lets
  // waiting callers have the freed slot.
  const internals = pool as unknown as TarnInternals<T>;
  internals._shouldCreateMoreResources = () =>
    internals.used.length + internals.pendingCreates.length + internals.pendingDestroys.length <
      o.max && internals.pendingCreates.length < internals.pendingAcquires.length;
  const destroy = internals._destroy.bind(pool);
  internals._destroy = (resource) => {
    const done = destroy(resource);
    // tarn's promise never rejects and settles after the destroy left `pendingDestroys`.
    void done.then(() => pool._tryAcquireOrCreate());
    return done;
  };
  pool.on('createSuccess', (_id, resource) => setup.created(resource));
  pool.on('createFail', (_id, error) => setup.createFailed(error));
  pool.on('destroyRequest', (_id, resource) => setup.destroying(resource));
  return pool;
}

async function create<T>(setup: TarnPoolSetup<T>): Promise<T> {
  const resource = await setup.options.create();
  if (!resource) {
    // tarn would wait for a callback that never comes: say what went wrong instead.
    throw new TypeError(
      `pool '${setup.name()}': create() returned ${describeValue(resource)}, not a resource`,
    );
  }
  return resource;
}

/** Never rejects: a destroy failure is reported, and the resource is gone from the pool either way. */
async function destroyResource<T>(setup: TarnPoolSetup<T>, resource: T): Promise<void> {
  try {
    await setup.options.destroy(resource);
  } catch (error) {
    setup.onError(new Error(`destroy() failed: ${String(error)}`, { cause: error }));
  }
}

/**
 * Takes a lent resource out of tarn's `used` list (tarn can only put a lent resource back);
 * false when tarn does not have it lent. Destroy it next with {@link destroyTaken}.
 */
export function takeLent<T>(pool: TarnPool<T>, resource: T): boolean {
  const internals = pool as unknown as TarnInternals<T>;
  const index = internals.used.findIndex((u) => u.resource === resource);
  if (index < 0) return false;
  const [used] = internals.used.splice(index, 1);
  used!.settle();
  return true;
}

/**
 * Destroys a resource {@link takeLent} took, the way tarn's reaper does, then lets tarn serve
 * waiting callers (it creates a replacement once the destroy is done).
 */
export function destroyTaken<T>(pool: TarnPool<T>, resource: T): void {
  const internals = pool as unknown as TarnInternals<T>;
  void internals._destroy(resource);
  internals._tryAcquireOrCreate();
}

/** Refuses every caller waiting on `pool` (with tarn's abort error). */
export function abortWaiting<T>(pool: TarnPool<T> | undefined): void {
  for (const pending of [
    ...((pool as unknown as TarnInternals<T> | undefined)?.pendingAcquires ?? []),
  ])
    pending.abort();
}
