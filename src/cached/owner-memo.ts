/**
 * An owner's memo (`OwnerMemo`): the in-process tier of one owner (an instance, or the
 * registry for shared scope), linked to its method's state in its registry.
 */
import type { Clock } from '../core/clock.js';
import type { CachedFigures } from './figures.js';
import { Memo } from './memory-tier.js';
import type { MethodCache } from './method-cache.js';

/**
 * An owner's memo, linked to its method's state in its registry. The figures and the clock are
 * copied here so that the hit path reaches them with one field read.
 */
export class OwnerMemo extends Memo {
  readonly figures: CachedFigures;
  readonly clock: Clock;
  constructor(readonly cache: MethodCache) {
    super(cache.opts.max);
    this.figures = cache.figures;
    this.clock = cache.registry.clock;
  }
}
