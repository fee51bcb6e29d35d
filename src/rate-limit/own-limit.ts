/**
 * How a method with its own limit runs its calls: one budget per owner (instance), or with
 * `key` one per key and owner, each in the registry the owner uses.
 */
import { guardedRejection } from '../core/observed-promise.js';
import type { Invoke, SiteInfo } from '../core/site.js';
import { PerOwner } from '../core/state.js';
import { runtimeOf } from '../core/runtime-of.js';
import { createEngine, keyedEngines } from './create-engine.js';
import type { Engine, SiteContext } from './engine.js';
import type { KeyedEngines } from './keyed-engines.js';
import type { ResolvedRateLimit } from './options.js';
import { limitersOf } from './registry-limiters.js';
import type { SiteContexts } from './site-contexts.js';

/** Per owner (instance) state of a method with its own limit. */
interface OwnerState {
  readonly ctx: SiteContext;
  /** The owner's budget, when the method has no `key`. */
  readonly engine: Engine | undefined;
  /** The owner's per-key budgets, when it has one. */
  readonly keyed: KeyedEngines | undefined;
}

/** The invoker of a method with its own limit, `resolved.own`. */
export function ownLimitInvoker(
  inner: Invoke,
  site: SiteInfo,
  resolved: ResolvedRateLimit,
  contexts: SiteContexts,
): Invoke {
  const own = resolved.own!;
  const key = resolved.key;
  const where = site.name;
  const states = new PerOwner<OwnerState>((owner) => {
    const registry = runtimeOf(owner);
    // The registry's shutdown tasks are enrolled at the owner's first call, even when its key
    // fails and no engine is built yet.
    limitersOf(registry);
    const ctx = contexts.get(registry, site, own.describe);
    const owned = { registry, name: undefined, method: site.name };
    if (!key) return { ctx, engine: createEngine(own, owned), keyed: undefined };
    // `key` is refused with `engine: 'bottleneck'` (options.ts): the engines are local or Redis.
    const keyed = keyedEngines(own, owned);
    keyed.countIn(ctx.figures);
    return { ctx, engine: undefined, keyed };
  });
  if (!key) {
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
      engine = st.keyed!.engineFor(call, key, where);
    } catch (error) {
      return guardedRejection(error, st.ctx.report);
    }
    return engine.run(call, inner, st.ctx);
  };
}
