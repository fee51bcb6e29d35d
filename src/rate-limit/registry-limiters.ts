/**
 * What `@rateLimit` keeps per registry: its named limiters (built on first use), the engines
 * `shutdown()` must reach, and the two shutdown tasks that reach them.
 */
import type { SiteInfo } from '../core/site.js';
import { HotpathError } from '../errors.js';
import { PerRuntime } from '../core/per-runtime.js';
import type { Runtime } from '../core/runtime.js';
import type { BottleneckEngine } from './bottleneck-engine.js';
import type { Engine } from './engine.js';
import type { LocalEngine } from './local-engine.js';
import type { NamedLimiter } from './named-limiters.js';
import type { RedisEngine } from './redis-engine.js';

/** One registry's limiters. */
export interface RegistryLimiters {
  /** Named limiters, built on first use; a configuration problem is remembered as its error. */
  readonly named: Map<string, NamedLimiter | HotpathError>;
  /** Local engines with calls waiting now (their queues must be rejected on shutdown). */
  readonly waiting: Set<LocalEngine>;
  /** Every Bottleneck engine of this registry. */
  readonly bottlenecks: Set<BottleneckEngine>;
  /** Every native Redis engine of this registry. */
  readonly redis: Set<RedisEngine>;
  /** Given to every local engine of this registry: keeps {@link RegistryLimiters.waiting}. */
  readonly onQueueChange: (engine: LocalEngine, waiting: boolean) => void;
}

const registries = new PerRuntime((registry): RegistryLimiters => {
  const waiting = new Set<LocalEngine>();
  const rec: RegistryLimiters = {
    named: new Map(),
    waiting,
    bottlenecks: new Set(),
    redis: new Set(),
    onQueueChange: (engine, isWaiting) => {
      if (isWaiting) waiting.add(engine);
      else waiting.delete(engine);
    },
  };
  stopOnShutdown(registry, rec);
  return rec;
});

/** `registry`'s limiters; the first call registers the shutdown tasks that stop them. */
export function limitersOf(registry: Runtime): RegistryLimiters {
  return registries.get(registry);
}

/** The engines shutdown must reach: those with calls waiting, every Bottleneck and Redis engine, every named one. */
function enginesOf(rec: RegistryLimiters): Engine[] {
  const all = new Set<Engine>([...rec.waiting, ...rec.bottlenecks, ...rec.redis]);
  for (const e of rec.named.values()) if (!(e instanceof HotpathError)) all.add(e.engine);
  return [...all];
}

function stopOnShutdown(registry: Runtime, rec: RegistryLimiters): void {
  const error = (site: SiteInfo): HotpathError => waitingShutdownError(registry, site);
  // When shutdown starts, calls still waiting for their turn are refused at once: the limit may
  // keep them waiting for hours, and they must not start while the shutdown flushes batches.
  // Calls queued by that flush itself (a batch body calling a rate-limited method) still run.
  // Runs in every flush round (only calls queued before shutdown are dropped). Those engines
  // are stopped in the `stop` phase even though their queues are now empty (they may have calls
  // in flight to wait for).
  const dropped = new Set<Engine>();
  registry.onShutdown(() => {
    for (const e of enginesOf(rec)) {
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
        const all = [...new Set([...dropped, ...enginesOf(rec)])];
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
          detail: `${limiterLabel(rec, e)} had not stopped (its Redis did not answer)`,
        })),
    },
    'stop',
  );
}

/** `limiter 'github'` for a named limiter, `an unnamed limiter` for one built from options. */
function limiterLabel(rec: RegistryLimiters, engine: Engine): string {
  for (const [name, e] of rec.named) {
    if (!(e instanceof HotpathError) && e.engine === engine) return `limiter '${name}'`;
  }
  return 'an unnamed limiter';
}

/** The `E_SHUTDOWN` of a call that was still waiting for its turn when shutdown started. */
function waitingShutdownError(registry: Runtime, site: SiteInfo): HotpathError {
  return new HotpathError(
    'E_SHUTDOWN',
    `${site.name}: the hotpath registry '${registry.name}' is shutting down; the call was waiting for its rate limit and was not started`,
  );
}
