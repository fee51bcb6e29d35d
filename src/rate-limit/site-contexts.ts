/**
 * The {@link SiteContext} of one decorated method in each registry it runs in: its figures, its
 * options as the engines need them, and where its unawaited refusals are reported.
 */
import { PerRuntime } from '../core/per-runtime.js';
import type { Runtime } from '../core/runtime.js';
import type { SiteInfo } from '../core/site.js';
import type { SiteContext } from './engine.js';
import { RateLimitFigures } from './figures.js';
import type { ResolvedRateLimit } from './options.js';

/** One method's site contexts, one per registry, made on first use. */
export class SiteContexts {
  readonly #resolved: ResolvedRateLimit;
  // Filled by the first call in each registry: it knows the site and the limit's words.
  readonly #contexts = new PerRuntime((): { ctx?: SiteContext } => ({}));

  constructor(resolved: ResolvedRateLimit) {
    this.#resolved = resolved;
  }

  /** The context of `site` in `registry`; `describe` (the limit, for messages) is used when it is made. */
  get(registry: Runtime, site: SiteInfo, describe: string): SiteContext {
    const slot = this.#contexts.get(registry);
    let ctx = slot.ctx;
    if (!ctx) {
      const resolved = this.#resolved;
      const figures = registry.metric(site, 'rateLimit', () => new RateLimitFigures());
      ctx = slot.ctx = {
        site,
        figures,
        reject: resolved.reject,
        priority: resolved.priority,
        describe,
        limiterName: resolved.limiter,
        report: (error) => registry.emitError(error, { decorator: 'rateLimit', method: site.name }),
      };
    }
    return ctx;
  }
}
