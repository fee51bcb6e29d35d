/**
 * Builds the engine of a limit (the local engine, the native Redis engine, or a Bottleneck
 * limiter hotpath builds or is given) and enrols it with its registry, so that `shutdown()` reaches it.
 */
import type { Runtime } from '../core/runtime.js';
import { HotpathError } from '../errors.js';
import { BottleneckEngine, type BottleneckEngineOptions } from './bottleneck-engine.js';
import type { BottleneckLike } from './bottleneck-like.js';
import { buildBottleneck, deriveBottleneckSettings } from './bottleneck-limiter.js';
import type { Engine } from './engine.js';
import { KeyedEngines } from './keyed-engines.js';
import { LocalEngine, type LocalEngineSettings } from './local-engine.js';
import type { ResolvedLimiter } from './options.js';
import { RedisEngine } from './redis-engine.js';
import { budgetName } from './redis-keys.js';
import { limitersOf } from './registry-limiters.js';

/** Whom an engine serves, for its registry and its error reports. */
export interface EngineOwner {
  readonly registry: Runtime;
  /** The named limiter it is, if it is one. */
  readonly name: string | undefined;
  /** The method that built it (`ClassName.method`): names its errors when it has no name. */
  readonly method: string;
}

/** Builds the engine of `resolved` (a method's own limit, or a named limiter's options). */
export function createEngine(resolved: ResolvedLimiter, owner: EngineOwner): Engine {
  if (resolved.engine === 'bottleneck') {
    const derived = deriveBottleneckSettings(resolved.settings);
    const limiter = buildBottleneck(derived, resolved.bottleneck);
    return bottleneckEngine(
      limiter,
      {
        owned: true,
        maxQueue: resolved.settings.maxQueue,
        redisTimeout: resolved.redisTimeout,
        lateness: derived.lateness,
      },
      owner,
    );
  }
  if (resolved.engine === 'redis') return redisEngine(resolved, owner, undefined);
  return localEngine(resolved.settings, owner.registry);
}

/**
 * The per-key budgets of `resolved` (`key`): local engines, or Redis engines each on its key's
 * own hash tag, released once idle (a released Redis engine leaves the registry's shutdown
 * list too). Not for Bottleneck: options.ts and named-limiters.ts refuse `key` with it.
 */
export function keyedEngines(resolved: ResolvedLimiter, owner: EngineOwner): KeyedEngines {
  const registry = owner.registry;
  if (resolved.engine !== 'redis') {
    return new KeyedEngines(() => localEngine(resolved.settings, registry), registry.clock);
  }
  const enrolled = limitersOf(registry).redis;
  return new KeyedEngines(
    (key, where) => redisEngine(resolved, owner, budgetName(key, where)),
    registry.clock,
    (engine) => enrolled.delete(engine as RedisEngine),
  );
}

/** A Redis engine for `resolved` (its budget `budget` with `key`), enrolled with its registry. */
function redisEngine(
  resolved: ResolvedLimiter,
  owner: EngineOwner,
  budget: string | undefined,
): RedisEngine {
  const engine = new RedisEngine(
    resolved.settings,
    { ...resolved.redis!, budget, redisTimeout: resolved.redisTimeout, name: owner.name },
    () => localEngine(resolved.settings, owner.registry),
  );
  limitersOf(owner.registry).redis.add(engine);
  return engine;
}

/** A local engine on `registry`'s clock, whose waiting calls `shutdown()` refuses. */
function localEngine(settings: LocalEngineSettings, registry: Runtime): LocalEngine {
  const engine = new LocalEngine(settings, registry.clock);
  engine.onQueueChange = limitersOf(registry).onQueueChange;
  return engine;
}

/** Runs `limiter` (built by hotpath, or given in the registry's `limiters`) as an engine of `owner.registry`. */
export function bottleneckEngine(
  limiter: BottleneckLike,
  settings: Pick<BottleneckEngineOptions, 'owned' | 'maxQueue' | 'redisTimeout' | 'lateness'>,
  owner: EngineOwner,
): BottleneckEngine {
  const { registry, name } = owner;
  const engine = new BottleneckEngine(limiter, {
    ...settings,
    name,
    onError: storeErrorReporter(registry, name ? `limiter '${name}'` : owner.method),
  });
  limitersOf(registry).bottlenecks.add(engine);
  return engine;
}

/** Sends a limiter's own errors (Bottleneck's `error` events) to the registry's `error` event. */
function storeErrorReporter(registry: Runtime, method: string): (error: unknown) => void {
  return (error) =>
    registry.emitError(
      error instanceof HotpathError
        ? error
        : new HotpathError('E_STORE', `rate limiter error: ${String(error)}`, { cause: error }),
      { decorator: 'rateLimit', method },
    );
}
