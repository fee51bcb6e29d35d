/**
 * Options of `@batched` and their resolver: validated once, at decoration time.
 */
import type { DecorationSite } from '../core/intercept.js';
import {
  booleanOption,
  checkOptionsObject,
  configError,
  durationOption,
  functionOption,
  integerOption,
  type Duration,
} from '../core/options.js';

/**
 * Options of {@link batched}. `T` is the item type (inferred from `itemKey`'s parameter).
 */
export interface BatchedOptions<T = unknown> {
  /**
   * Most items one body call receives (counted after `dedupe`). A batch that reaches it is
   * dispatched at once and later calls start a new batch; one caller with more items than this
   * is split over several body calls and still gets one array back.
   *
   * @default Infinity
   */
  maxBatchSize?: number;
  /**
   * How long a batch collects calls after its first one. `0` is DataLoader's scheduling: the batch is dispatched once the current tick and the promise jobs it queued
   * have run (`process.nextTick` after a resolved promise), so calls made inside resolved
   * promise chains still join. A positive wait (e.g. `'50ms'`) collects across ticks, for bulk
   * writes; the timer keeps the process alive until the batch is written. Cost: one timer per
   * batch, not per call.
   *
   * @default 0
   */
  maxWait?: Duration;
  /**
   * Send an item requested by several callers of one batch to the body once, and hand each
   * caller its result. Items are the same when their keys are: `itemKey(item)` if given, else
   * the item itself for primitives and its stable key (by structure, not identity) for
   * objects. Cost with it on: one `Map` lookup per item (plus the stable-key walk for object
   * items without `itemKey`).
   *
   * @default true
   */
  dedupe?: boolean;
  /**
   * The identity of an item for `dedupe` (e.g. `(u) => u.id`). A primitive result is used as
   * is; an object result is turned into its stable key. Needs `dedupe` (an error otherwise).
   *
   * @default undefined (the item itself, or its stable key for objects)
   */
  itemKey?: (item: T) => unknown;
}

/** {@link BatchedOptions} validated and filled with defaults. */
export interface ResolvedBatchedOptions {
  readonly maxBatchSize: number;
  /** Milliseconds; 0 = tick scheduling. */
  readonly maxWait: number;
  readonly dedupe: boolean;
  readonly itemKey: ((item: unknown) => unknown) | undefined;
}

const KNOWN = ['maxBatchSize', 'maxWait', 'dedupe', 'itemKey'] as const;

/**
 * Validates `options` for `@batched` at `site` and fills the defaults. Throws the house-form
 * `TypeError` naming the decorator, the method and the option.
 */
export function resolveBatchedOptions(
  site: DecorationSite,
  options: BatchedOptions<never> | undefined,
): ResolvedBatchedOptions {
  checkOptionsObject(site, options, KNOWN);
  const o = (options ?? {}) as Record<string, unknown>;
  const maxBatchSize = integerOption(site, 'maxBatchSize', o.maxBatchSize, Infinity, 1);
  const maxWait = durationOption(site, 'maxWait', o.maxWait, 0);
  const dedupe = booleanOption(site, 'dedupe', o.dedupe, true);
  const itemKey = functionOption<(item: unknown) => unknown>(site, 'itemKey', o.itemKey);
  if (itemKey && !dedupe) {
    throw configError(site, '`itemKey` only serves `dedupe`, which is off: drop one of them');
  }
  return { maxBatchSize, maxWait, dedupe, itemKey };
}
