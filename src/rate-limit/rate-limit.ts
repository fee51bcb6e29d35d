/**
 * `@rateLimit(options)`: at most `limit` starts per `interval` (a sliding window, or a token
 * bucket), `maxConcurrent` in flight and `minTime` between starts; calls over the limit wait in a
 * FIFO queue with priorities, or reject with `RateLimitError`. External limits are never exceeded.
 *
 * Budgets: per instance by default (per `call.owner`), per key with `key`, or shared by every
 * method and instance naming a registry limiter (`limiter: 'github'`). Engines: the local one
 * (local-engine.ts) or Bottleneck (bottleneck-engine.ts), for limits shared across processes.
 *
 * Events on the `hotpath:event` channel (decorator `'rateLimit'`):
 * - `started` — a call started (at once or after waiting);
 * - `queued` — a call had to wait (`queued`: queue length, `priority`);
 * - `rejected` — a call was refused (`reason`: `'limit'` (onLimit 'reject'), `'queue-full'`,
 *   `'dropped'` (Bottleneck dropped it) or `'error'` (Redis unreachable); `retryAfter` in ms).
 *
 * `stats()` (per method, under `rateLimit`): `started`, `queued` (waiting now), `rejected`,
 * `waits` (calls that waited), `waitedMs` (their total wait), `meanWaitMs`, and `running` when
 * completions are tracked (`maxConcurrent`, or the Bottleneck engine).
 *
 * `shutdown()` (its `stop` phase): waiting calls reject with `E_SHUTDOWN`; limiters stop once the
 * calls in flight finished (Bottleneck limiters are stopped, and disconnected when hotpath built them).
 */
import type { Call } from '../core/call.js';
import { unrefTimeout, type Clock } from '../core/clock.js';
import { createDecorator, type HotpathDecorator } from '../core/intercept.js';
import { mapKey } from '../core/key.js';
import type { Invoke, Site } from '../core/site.js';
import { guardedRejection } from '../core/observed-promise.js';
import { PerOwner } from '../core/state.js';
import { HotpathError } from '../errors.js';
import { registryOf } from '../registry/binding.js';
import type { Hotpath } from '../registry/hotpath.js';
import {
  BottleneckEngine,
  buildBottleneck,
  type BottleneckEngineOptions,
  deriveBottleneckSettings,
  isBottleneck,
} from './bottleneck-engine.js';
import type { BottleneckLike } from './bottleneck-repair.js';
import { LocalEngine, RateLimitFigures, type SiteContext } from './local-engine.js';
import {
  resolveLimiterOptions,
  resolveRateLimitOptions,
  type LimiterOptions,
  type RateLimitOptions,
  type ResolvedLimiter,
} from './options.js';

/** One budget's engine. */
type Engine = LocalEngine | BottleneckEngine;

/** What `@rateLimit` keeps per registry: named engines, and the engines `shutdown()` must stop. */
interface RegistryLimiters {
  /** Named limiters, built on first use; a configuration problem is remembered as its error. */
  readonly named: Map<string, Engine | HotpathError>;
  /** Local engines with calls waiting now (their queues must be rejected on shutdown). */
  readonly waiting: Set<LocalEngine>;
  /** Every Bottleneck engine of this registry. */
  readonly bottlenecks: Set<BottleneckEngine>;
  readonly onQueueChange: (engine: LocalEngine, waiting: boolean) => void;
}

const registries = new WeakMap<Hotpath, RegistryLimiters>();

function limitersOf(registry: Hotpath): RegistryLimiters {
  let rec = registries.get(registry);
  if (rec) return rec;
  const waiting = new Set<LocalEngine>();
  rec = {
    named: new Map(),
    waiting,
    bottlenecks: new Set(),
    onQueueChange: (engine, isWaiting) => {
      if (isWaiting) waiting.add(engine);
      else waiting.delete(engine);
    },
  };
  registries.set(registry, rec);
  const r = rec;
  const engines = (): Engine[] => {
    const all = new Set<Engine>([...r.waiting, ...r.bottlenecks]);
    for (const e of r.named.values()) if (!(e instanceof HotpathError)) all.add(e);
    return [...all];
  };
  // When shutdown starts, calls still waiting for their turn are refused at once: the limit may
  // keep them waiting for hours, and they must not start while the shutdown flushes batches.
  // Calls queued by that flush itself (a batch body calling a rate-limited method) still run.
  // Runs in every flush round (only calls queued before shutdown are dropped). Those engines
  // are stopped in the `stop` phase even though their queues are now empty (they may have calls
  // in flight to wait for).
  const dropped = new Set<Engine>();
  registry.onShutdown(() => {
    const error = (site: Site): HotpathError => waitingShutdownError(registry, site);
    for (const e of engines()) {
      dropped.add(e);
      e.dropWaiting(error);
    }
  }, 'flush');
  // Every rate limiter of the registry stops in the `stop` phase, after pending batches and
  // trailing calls were flushed (they may still need a limiter to run).
  // At the shutdown timeout, a limiter still stopping (a clustered one whose Redis does not
  // answer) is reported by name rather than as an anonymous hook.
  const stopping = new Set<Engine>();
  registry.onShutdown(
    {
      run: async () => {
        const error = (site: Site): HotpathError => waitingShutdownError(registry, site);
        const all = [...new Set([...dropped, ...engines()])];
        for (const e of all) stopping.add(e);
        const results = await Promise.allSettled(
          all.map((e) => e.stop(error).finally(() => stopping.delete(e))),
        );
        for (const result of results) {
          if (result.status === 'rejected')
            registry.emitError(result.reason, { decorator: 'rateLimit' });
        }
      },
      abandon: () =>
        [...stopping].map((e) => ({
          decorator: 'rateLimit',
          pending: 1,
          detail: `${limiterLabel(r, e)} had not stopped (its Redis did not answer)`,
        })),
    },
    'stop',
  );
  return rec;
}

/** `limiter 'github'` for a named limiter, `an unnamed limiter` for one built from options. */
function limiterLabel(rec: RegistryLimiters, engine: Engine): string {
  for (const [name, e] of rec.named) if (e === engine) return `limiter '${name}'`;
  return 'an unnamed limiter';
}

/** The `E_SHUTDOWN` of a call that was still waiting for its turn when shutdown started. */
function waitingShutdownError(registry: Hotpath, site: Site): HotpathError {
  return new HotpathError(
    'E_SHUTDOWN',
    `${site.name}: the hotpath registry '${registry.name}' is shutting down; the call was waiting for its rate limit and was not started`,
  );
}

function describeNames(registry: Hotpath): string {
  const names = Object.keys(registry.limiters);
  return names.length === 0 ? 'none' : names.map((n) => `'${n}'`).join(', ');
}

function storeErrorReporter(registry: Hotpath, method: string): (error: unknown) => void {
  return (error) =>
    registry.emitError(
      error instanceof HotpathError
        ? error
        : new HotpathError('E_STORE', `rate limiter error: ${String(error)}`, { cause: error }),
      { decorator: 'rateLimit', method },
    );
}

/** Builds the engine of a limit. */
function createEngine(
  resolved: ResolvedLimiter,
  clock: Clock,
  rec: RegistryLimiters,
  registry: Hotpath,
  name: string | undefined,
  method: string,
): Engine {
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
      rec,
      registry,
      name,
      method,
    );
  }
  const engine = new LocalEngine(resolved.settings, clock);
  engine.onQueueChange = rec.onQueueChange;
  return engine;
}

function bottleneckEngine(
  limiter: BottleneckLike,
  settings: Pick<BottleneckEngineOptions, 'owned' | 'maxQueue' | 'redisTimeout' | 'lateness'>,
  rec: RegistryLimiters,
  registry: Hotpath,
  name: string | undefined,
  method: string,
): BottleneckEngine {
  const engine = new BottleneckEngine(limiter, {
    ...settings,
    name,
    onError: storeErrorReporter(registry, name ? `limiter '${name}'` : method),
  });
  rec.bottlenecks.add(engine);
  return engine;
}

/** The registry's named limiter `name`, built on first use; throws `E_CONFIG` when it is missing or invalid. */
function namedEngine(
  registry: Hotpath,
  name: string,
  site: Site,
): { engine: Engine; describe: string } {
  const rec = limitersOf(registry);
  let engine = rec.named.get(name);
  if (engine === undefined) {
    engine = buildNamed(registry, rec, name, site);
    rec.named.set(name, engine);
  }
  if (engine instanceof HotpathError) throw engine;
  return { engine, describe: describeNamed(registry, name) };
}

const namedDescriptions = new WeakMap<Hotpath, Map<string, string>>();

function describeNamed(registry: Hotpath, name: string): string {
  return namedDescriptions.get(registry)?.get(name) ?? `limiter '${name}'`;
}

function buildNamed(
  registry: Hotpath,
  rec: RegistryLimiters,
  name: string,
  site: Site,
): Engine | HotpathError {
  const config: unknown = registry.limiters[name];
  if (config === undefined || config === null) {
    return new HotpathError(
      'E_CONFIG',
      `${site.name}: @rateLimit names the limiter '${name}', but registry '${registry.name}' has no such limiter (its limiters: ${describeNames(registry)})`,
    );
  }
  if (isBottleneck(config)) {
    // The user's own settings: hotpath does not know the limit they stand for, so it lets
    // Bottleneck's grants stand however late a job starts.
    return bottleneckEngine(
      config,
      {
        owned: false,
        maxQueue: Number.POSITIVE_INFINITY,
        redisTimeout: 5_000,
        lateness: Number.POSITIVE_INFINITY,
      },
      rec,
      registry,
      name,
      site.name,
    );
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
    let descriptions = namedDescriptions.get(registry);
    if (!descriptions) namedDescriptions.set(registry, (descriptions = new Map()));
    descriptions.set(name, resolved.describe);
    return createEngine(resolved, registry.clock, rec, registry, name, site.name);
  } catch (error) {
    return new HotpathError(
      'E_CONFIG',
      `registry '${registry.name}': ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * The budgets of one keyed limit (per owner, or of a shared limiter): one engine per key,
 * released once idle, on their own.
 *
 * Two generations of keys and one timer (not one per key): `current` holds the keys used since
 * the last sweep, `previous` those used in the generation before. Every `period` (the engines'
 * idle horizon, at least 1 s) the sweep drops the idle engines of `previous`, keeps the others
 * (calls queued or running, a window not yet over) for the next sweep, and starts a new
 * generation. A key used again moves back to `current` on its first use in a generation (one
 * Map move), so the sweep only looks at keys unused for a whole generation, and an idle key is
 * released at most two periods after its last start. The timer runs only while keys are held
 * and never keeps the process alive.
 */
class KeyedEngines {
  #current = new Map<unknown, LocalEngine>();
  #previous = new Map<unknown, LocalEngine>();
  readonly #create: () => LocalEngine;
  readonly #clock: Clock;
  #period = 0;
  #timer: unknown = undefined;
  /** The figures that show this limit's key count (one per method using it). */
  readonly #figures = new Set<RateLimitFigures>();

  constructor(create: () => LocalEngine, clock: Clock) {
    this.#create = create;
    this.#clock = clock;
  }

  /** Counts this limit's keys in `figures` (`stats()` `keys`) from now on. */
  countIn(figures: RateLimitFigures): void {
    if (this.#figures.has(figures)) return;
    this.#figures.add(figures);
    figures.tracksKeys = true;
    figures.keys += this.#current.size + this.#previous.size;
  }

  get(key: unknown): LocalEngine {
    let engine = this.#current.get(key);
    if (engine !== undefined) return engine;
    engine = this.#previous.get(key);
    if (engine !== undefined) {
      this.#previous.delete(key);
    } else {
      engine = this.#create();
      this.#count(1);
      if (this.#timer === undefined) {
        this.#period = Math.max(MIN_SWEEP_MS, engine.idleAfter);
        this.#arm();
      }
    }
    this.#current.set(key, engine);
    return engine;
  }

  #count(delta: number): void {
    for (const figures of this.#figures) figures.keys += delta;
  }

  #arm(): void {
    this.#timer = unrefTimeout(this.#clock, this.#sweep, this.#period);
  }

  readonly #sweep = (): void => {
    this.#timer = undefined;
    const kept = this.#current;
    let released = 0;
    for (const [key, engine] of this.#previous) {
      if (engine.isIdle()) released++;
      else kept.set(key, engine);
    }
    if (released > 0) this.#count(-released);
    this.#previous = kept;
    this.#current = new Map();
    if (kept.size > 0) this.#arm();
  };
}

/** The shortest time between two sweeps of idle keys, ms. */
const MIN_SWEEP_MS = 1_000;

/** The keyed budgets of one owner's own limit, counted in `figures`. */
function keyedBudgets(
  create: () => LocalEngine,
  clock: Clock,
  figures: RateLimitFigures,
): KeyedEngines {
  const keyed = new KeyedEngines(create, clock);
  keyed.countIn(figures);
  return keyed;
}

/** Per owner (instance) state of a method with its own limit. */
interface OwnerState {
  readonly ctx: SiteContext;
  readonly engine: Engine | undefined;
  readonly keyed: KeyedEngines | undefined;
}

/**
 * Limits how often (and how many at once) the decorated async method runs. See
 * {@link RateLimitOptions}: `limit` per `interval` (sliding window, or `algorithm:
 * 'token-bucket'` with `burst`), `maxConcurrent`, `minTime`, `key`, `limiter`, `onLimit`
 * (`'queue'` | `'reject'`), `maxQueue`, `priority`, `engine` (`'local'` | `'bottleneck'`).
 *
 * Only for methods returning a Promise (a compile error otherwise, in both decorator modes).
 * Bad options throw a `TypeError` when the class is defined.
 *
 * Cost (local engine, no wait needed): one WeakMap lookup for the instance's budget, one
 * clock reading and a ring-buffer write; the method's own promise is returned as is. With
 * `maxConcurrent`, one `then` on it to count completions. Waiting calls cost a promise each and
 * one timer per budget.
 *
 * @example
 * class GitHub {
 *   @rateLimit({ limit: 5000, interval: '1h', maxConcurrent: 10 })
 *   async getRepo(name: string): Promise<Repo> { ... }
 * }
 */
export function rateLimit(
  options: RateLimitOptions,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): HotpathDecorator<(...args: any[]) => Promise<unknown>> {
  return createDecorator({
    name: 'rateLimit',
    layer(decoration) {
      const resolved = resolveRateLimitOptions(decoration, options);
      const contexts = new WeakMap<Hotpath, SiteContext>();
      const contextFor = (registry: Hotpath, site: Site, describe: string): SiteContext => {
        let ctx = contexts.get(registry);
        if (!ctx) {
          const figures = registry.metric(site, 'rateLimit', () => new RateLimitFigures());
          ctx = {
            site,
            figures,
            reject: resolved.reject,
            priority: resolved.priority,
            describe,
            limiterName: resolved.limiter,
            report: (error) =>
              registry.emitError(error, { decorator: 'rateLimit', method: site.name }),
          };
          contexts.set(registry, ctx);
        }
        return ctx;
      };

      return {
        decorator: 'rateLimit',
        async: true,
        wrap(inner: Invoke, site: Site): Invoke {
          const keyFn = resolved.key;
          const where = site.name;
          const engineFor = (
            call: Call,
            st: { engine: Engine | undefined; keyed: KeyedEngines | undefined },
          ): Engine =>
            st.keyed
              ? st.keyed.get(mapKey(keyFn!.apply(call.instance, call.args), where))
              : st.engine!;

          if (resolved.limiter !== undefined) {
            const name = resolved.limiter;
            // Per registry: the shared engine (or per-key engines of a shared local limit).
            const shared = new WeakMap<
              Hotpath,
              { ctx: SiteContext; engine: Engine | undefined; keyed: KeyedEngines | undefined }
            >();
            return (call) => {
              const registry = call.registry;
              let st = shared.get(registry);
              let engine: Engine;
              try {
                if (!st) {
                  const { engine, describe } = namedEngine(registry, name, site);
                  let keyed: KeyedEngines | undefined;
                  if (keyFn) {
                    if (!(engine instanceof LocalEngine)) {
                      throw new HotpathError(
                        'E_CONFIG',
                        `${site.name}: \`key\` is not available with the Bottleneck limiter '${name}' (use one named limiter per key)`,
                      );
                    }
                    keyed = keyedFor(registry, name, engine);
                  }
                  const ctx = contextFor(registry, site, describe);
                  keyed?.countIn(ctx.figures);
                  st = { ctx, engine, keyed };
                  shared.set(registry, st);
                }
                engine = engineFor(call, st);
              } catch (error) {
                return guardedRejection(error, (e) =>
                  registry.emitError(e, { decorator: 'rateLimit', method: site.name }),
                );
              }
              return engine.run(call, inner, st.ctx);
            };
          }

          const own = resolved.own!;
          const states = new PerOwner<OwnerState>((owner) => {
            const registry = registryOf(owner);
            const rec = limitersOf(registry);
            const ctx = contextFor(registry, site, own.describe);
            const create = (): Engine =>
              createEngine(own, registry.clock, rec, registry, undefined, site.name);
            return keyFn
              ? {
                  ctx,
                  engine: undefined,
                  keyed: keyedBudgets(create as () => LocalEngine, registry.clock, ctx.figures),
                }
              : { ctx, engine: create(), keyed: undefined };
          });
          if (!keyFn) {
            // The hot path: no key, so no try/catch and no key hashing.
            return (call) => {
              const st = states.get(call.owner);
              return st.engine!.run(call, inner, st.ctx);
            };
          }
          return (call) => {
            const st = states.get(call.owner);
            let engine: Engine;
            try {
              engine = engineFor(call, st);
            } catch (error) {
              return guardedRejection(error, st.ctx.report);
            }
            return engine.run(call, inner, st.ctx);
          };
        },
        control: {
          stats(ctx) {
            return registryFigures(ctx.registry, ctx.site);
          },
        },
      };
    },
  });
}

/** A shared local limiter with `key`: per-key budgets, shared by every method naming it with a key. */
const sharedKeyed = new WeakMap<Hotpath, Map<string, KeyedEngines>>();

function keyedFor(registry: Hotpath, name: string, template: LocalEngine): KeyedEngines {
  let perName = sharedKeyed.get(registry);
  if (!perName) sharedKeyed.set(registry, (perName = new Map()));
  let keyed = perName.get(name);
  if (!keyed) {
    const rec = limitersOf(registry);
    keyed = new KeyedEngines(() => {
      const engine = new LocalEngine(template.settings, registry.clock);
      engine.onQueueChange = rec.onQueueChange;
      return engine;
    }, registry.clock);
    perName.set(name, keyed);
  }
  return keyed;
}

function registryFigures(registry: Hotpath, site: Site): Record<string, unknown> {
  return registry.metric(site, 'rateLimit', () => new RateLimitFigures()).toJSON();
}
