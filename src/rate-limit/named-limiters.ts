/**
 * A registry's named limiters (`createHotpath({ limiters: { github: ... } })`, named by
 * `@rateLimit({ limiter: 'github' })`): built on first use from options or a Bottleneck
 * instance, and shared by every method and instance naming them in that registry.
 */
import type { Site } from '../core/site.js';
import { HotpathError } from '../errors.js';
import type { Hotpath } from '../registry/hotpath.js';
import { isBottleneck } from './bottleneck-like.js';
import { bottleneckEngine, createEngine, localEngine } from './create-engine.js';
import type { Engine } from './engine.js';
import { KeyedEngines } from './keyed-engines.js';
import { LocalEngine } from './local-engine.js';
import { resolveLimiterOptions, type LimiterOptions } from './options.js';
import { limitersOf } from './registry-limiters.js';

/** A named limiter of one registry, once built. */
export interface NamedLimiter {
  readonly engine: Engine;
  /** Describes its limit in messages (`10 calls per 1000 ms`; `limiter 'github'` for a Bottleneck instance). */
  readonly describe: string;
  /**
   * Its per-key budgets, shared by every method naming it with a `key` (a local limiter only):
   * made when the first such method is called.
   */
  keyed: KeyedEngines | undefined;
}

/** The registry's named limiter `name`, built on first use; throws `E_CONFIG` when it is missing or invalid. */
export function namedLimiter(registry: Hotpath, name: string, site: Site): NamedLimiter {
  const named = limitersOf(registry).named;
  let limiter = named.get(name);
  if (limiter === undefined) {
    limiter = buildNamed(registry, name, site);
    named.set(name, limiter);
  }
  if (limiter instanceof HotpathError) throw limiter;
  return limiter;
}

/**
 * The per-key budgets of a named local limiter: one engine per key with the limiter's settings,
 * made on first use. Throws `E_CONFIG` for a Bottleneck limiter (its budget lives in Bottleneck,
 * which has no keys).
 */
export function keyedBudgets(
  registry: Hotpath,
  name: string,
  limiter: NamedLimiter,
  site: Site,
): KeyedEngines {
  const template = limiter.engine;
  if (!(template instanceof LocalEngine)) {
    throw new HotpathError(
      'E_CONFIG',
      `${site.name}: \`key\` is not available with the Bottleneck limiter '${name}' (use one named limiter per key)`,
    );
  }
  return (limiter.keyed ??= new KeyedEngines(
    () => localEngine(template.settings, registry),
    registry.clock,
  ));
}

function describeNames(registry: Hotpath): string {
  const names = Object.keys(registry.limiters);
  return names.length === 0 ? 'none' : names.map((n) => `'${n}'`).join(', ');
}

function buildNamed(registry: Hotpath, name: string, site: Site): NamedLimiter | HotpathError {
  const config: unknown = registry.limiters[name];
  if (config === undefined || config === null) {
    return new HotpathError(
      'E_CONFIG',
      `${site.name}: @rateLimit names the limiter '${name}', but registry '${registry.name}' has no such limiter (its limiters: ${describeNames(registry)})`,
    );
  }
  const owner = { registry, name, method: site.name };
  if (isBottleneck(config)) {
    // The user's own settings: hotpath does not know the limit they stand for, so it lets
    // Bottleneck's grants stand however late a job starts.
    const engine = bottleneckEngine(
      config,
      {
        owned: false,
        maxQueue: Number.POSITIVE_INFINITY,
        redisTimeout: 5_000,
        lateness: Number.POSITIVE_INFINITY,
      },
      owner,
    );
    return { engine, describe: `limiter '${name}'`, keyed: undefined };
  }
  try {
    if (typeof config !== 'object')
      throw new TypeError(
        `@rateLimit on limiter '${name}': expected rate-limit options or a Bottleneck instance`,
      );
    const resolved = resolveLimiterOptions(
      { decorator: 'rateLimit', where: `limiter '${name}'` },
      config as LimiterOptions,
    );
    return { engine: createEngine(resolved, owner), describe: resolved.describe, keyed: undefined };
  } catch (error) {
    return new HotpathError(
      'E_CONFIG',
      `registry '${registry.name}': ${(error as Error).message}`,
      { cause: error },
    );
  }
}
