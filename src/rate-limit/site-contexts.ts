/**
 * The {@link SiteContext} of one decorated method in each registry it runs in: its figures, its
 * options as the engines need them, and where its unawaited refusals are reported.
 */
import type { SiteInfo } from '../core/site.js';
import type { Hotpath } from '../registry/hotpath.js';
import type { SiteContext } from './engine.js';
import { RateLimitFigures } from './figures.js';
import type { ResolvedRateLimit } from './options.js';

/** One method's site contexts, one per registry, made on first use. */
export class SiteContexts {
  readonly #resolved: ResolvedRateLimit;
  readonly #contexts = new WeakMap<Hotpath, SiteContext>();

  constructor(resolved: ResolvedRateLimit) {
    this.#resolved = resolved;
  }

  /** The context of `site` in `registry`; `describe` (the limit, for messages) is used when it is made. */
  get(registry: Hotpath, site: SiteInfo, describe: string): SiteContext {
    let ctx = this.#contexts.get(registry);
    if (!ctx) {
      const resolved = this.#resolved;
      const figures = registry.metric(site, 'rateLimit', () => new RateLimitFigures());
      ctx = {
        site,
        figures,
        reject: resolved.reject,
        priority: resolved.priority,
        describe,
        limiterName: resolved.limiter,
        report: (error) => registry.emitError(error, { decorator: 'rateLimit', method: site.name }),
      };
      this.#contexts.set(registry, ctx);
    }
    return ctx;
  }
}
