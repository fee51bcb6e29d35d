/**
 * A registry's named limiters (`createHotpath({ limiters: { github: ... } })`, named by
 * `@rateLimit({ limiter: 'github' })`): built on first use from options or a Bottleneck
 * instance, and shared by every method and instance naming them in that registry.
 */
import { errorMessage } from '../core/error-message.js';
import { configError, describeValue, messagePrefix, type OptionSite } from '../core/options.js';
import type { SiteInfo } from '../core/site.js';
import { HotpathError } from '../errors.js';
import type { Runtime } from '../core/runtime.js';
import { isBottleneck } from './bottleneck-like.js';
import { bottleneckEngine, createEngine, keyedEngines } from './create-engine.js';
import type { Engine } from './engine.js';
import type { KeyedEngines } from './keyed-engines.js';
import { resolveLimiterOptions, type LimiterOptions, type ResolvedLimiter } from './options.js';
import { limitersOf } from './registry-limiters.js';

/** A named limiter of one registry, once built. */
export interface NamedLimiter {
  readonly engine: Engine;
  /** Describes its limit in messages (`10 calls per 1000 ms`; `limiter 'github'` for a Bottleneck instance). */
  readonly describe: string;
  /** Its options, when it was built from options (not given as a Bottleneck instance). */
  readonly resolved: ResolvedLimiter | undefined;
  /**
   * Its per-key budgets, shared by every method naming it with a `key` (a local or Redis
   * limiter): made when the first such method is called.
   */
  keyed: KeyedEngines | undefined;
}

/**
 * The registry's named limiter `name`, built on first use; throws `E_CONFIG` when it is missing
 * (the message names the method `site` that asked) or invalid (the message names the limiter;
 * remembered, every method naming it gets that error).
 */
export function namedLimiter(registry: Runtime, name: string, site: SiteInfo): NamedLimiter {
  const named = limitersOf(registry).named;
  let limiter = named.get(name);
  if (limiter === undefined) {
    const config: unknown = registry.limiters[name];
    if (config === undefined || config === null) throw missingLimiter(registry, name, site);
    limiter = buildNamed(registry, name, config, site);
    named.set(name, limiter);
  }
  if (limiter instanceof HotpathError) throw limiter;
  return limiter;
}

/**
 * The per-key budgets of a named local or Redis limiter: one engine per key with the limiter's
 * settings, made on first use. Throws `E_CONFIG` for a Bottleneck limiter (one budget, no keys).
 */
export function keyedBudgets(
  registry: Runtime,
  name: string,
  limiter: NamedLimiter,
  site: SiteInfo,
): KeyedEngines {
  const resolved = limiter.resolved;
  if (resolved === undefined || resolved.engine === 'bottleneck') {
    throw new HotpathError(
      'E_CONFIG',
      `${messagePrefix(methodSite(site))} \`key\` is not available with the Bottleneck limiter '${name}' (use one named limiter per key)`,
    );
  }
  return (limiter.keyed ??= keyedEngines(resolved, { registry, name, method: site.name }));
}

/** Where a message about the method `site` says it is: `@rateLimit on Api.call:`. */
function methodSite(site: SiteInfo): OptionSite {
  return { decorator: 'rateLimit', where: site.name };
}

/** The `E_CONFIG` of a method naming a limiter its registry does not have. */
function missingLimiter(registry: Runtime, name: string, site: SiteInfo): HotpathError {
  const names = Object.keys(registry.limiters);
  const known = names.length === 0 ? 'none' : names.map((n) => `'${n}'`).join(', ');
  return new HotpathError(
    'E_CONFIG',
    `${messagePrefix(methodSite(site))} limiter '${name}' is not in registry '${registry.name}' (known limiters: ${known}); add it with createHotpath({ limiters: { ${name}: ... } })`,
  );
}

/**
 * Builds the limiter `config` describes, or the `E_CONFIG` saying why it cannot: its options are
 * checked as a method's are, and the message says where they are (`@rateLimit on limiter
 * 'github' of registry 'api':`), since every method naming the limiter shares the problem.
 */
function buildNamed(
  registry: Runtime,
  name: string,
  config: unknown,
  site: SiteInfo,
): NamedLimiter | HotpathError {
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
    return { engine, describe: `limiter '${name}'`, resolved: undefined, keyed: undefined };
  }
  const where: OptionSite = {
    decorator: 'rateLimit',
    where: `limiter '${name}' of registry '${registry.name}'`,
  };
  let resolved: ResolvedLimiter;
  try {
    if (typeof config !== 'object') {
      throw configError(
        where,
        `expected rate-limit options ({ limit, interval }) or a Bottleneck instance, got ${describeValue(config)}`,
      );
    }
    resolved = resolveLimiterOptions(where, config as LimiterOptions);
  } catch (error) {
    // The house-form TypeError of the option checks, as the code callers match on.
    return new HotpathError('E_CONFIG', (error as Error).message, { cause: error });
  }
  try {
    return {
      engine: createEngine(resolved, owner),
      describe: resolved.describe,
      resolved,
      keyed: undefined,
    };
  } catch (error) {
    // Bottleneck refused its options, or could not be loaded.
    return new HotpathError('E_CONFIG', `${messagePrefix(where)} ${errorMessage(error)}`, {
      cause: error,
    });
  }
}
