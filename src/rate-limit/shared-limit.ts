/**
 * How a method naming a registry limiter (`limiter: 'github'`) runs its calls: through the
 * limiter's shared engine, or with `key` through the limiter's per-key budgets, in whichever
 * registry the call's owner uses.
 */
import { guardedRejection } from '../core/observed-promise.js';
import type { Invoke, SiteInfo } from '../core/site.js';
import { PerRuntime } from '../core/per-runtime.js';
import type { Engine, SiteContext } from './engine.js';
import type { KeyedEngines } from './keyed-engines.js';
import { keyedBudgets, namedLimiter } from './named-limiters.js';
import type { ResolvedRateLimit } from './options.js';
import type { SiteContexts } from './site-contexts.js';

/** What one method keeps per registry for its named limiter. */
interface SharedState {
  readonly ctx: SiteContext;
  /** The limiter's engine, when the method has no `key`. */
  readonly engine: Engine | undefined;
  /** The limiter's per-key budgets, when it has one. */
  readonly keyed: KeyedEngines | undefined;
}

/**
 * The invoker of a method naming the limiter `resolved.limiter`. The limiter is looked up (and
 * built) at the method's first call in each registry; a missing or invalid one, or a `key` with
 * a Bottleneck limiter, rejects every call with `E_CONFIG` (reported when nobody awaits it).
 */
export function sharedLimitInvoker(
  inner: Invoke,
  site: SiteInfo,
  resolved: ResolvedRateLimit,
  contexts: SiteContexts,
): Invoke {
  const name = resolved.limiter!;
  const key = resolved.key;
  const where = site.name;
  // A configuration problem throws out of `get` and is not kept: the next call meets it again.
  const states = new PerRuntime((registry): SharedState => {
    const limiter = namedLimiter(registry, name, site);
    const keyed = key ? keyedBudgets(registry, name, limiter, site) : undefined;
    const ctx = contexts.get(registry, site, limiter.describe);
    keyed?.countIn(ctx.figures);
    return { ctx, engine: keyed ? undefined : limiter.engine, keyed };
  });
  return (call) => {
    const registry = call.runtime;
    let st: SharedState;
    let engine: Engine;
    try {
      st = states.get(registry);
      engine = st.keyed ? st.keyed.engineFor(call, key!, where) : st.engine!;
    } catch (error) {
      return guardedRejection(error, (e) =>
        registry.emitError(e, { decorator: 'rateLimit', method: site.name }),
      );
    }
    return engine.run(call, inner, st.ctx);
  };
}
