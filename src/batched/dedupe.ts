/**
 * Dedupe deferred to dispatch (`@batched` without `maxBatchSize`): every requested item was
 * queued; at dispatch one pass finds the distinct ones, and the body's answers are spread
 * back over the queued positions. Eager dedupe (with `maxBatchSize`, which counts distinct
 * items) happens in `Batch.add` instead.
 */
import type { Batch } from './batch.js';

/**
 * Whether primitive `items` hold no duplicates (by SameValueZero, as `Map` keys). Integer ids,
 * the usual batch, are checked with a byte map when they are dense enough (a few ns per item);
 * anything else with one `Set` built in a single native call.
 */
function allDistinct(items: readonly unknown[]): boolean {
  const n = items.length;
  let max = 0;
  let ints = true;
  for (let k = 0; k < n; k++) {
    const x = items[k];
    if (typeof x !== 'number' || !(x >= 0) || x > 0x3fffffff || (x | 0) !== x) {
      ints = false;
      break;
    }
    if (x > max) max = x;
  }
  if (ints && max < 8 * n + 65_536) {
    const seen = new Uint8Array(max + 1);
    for (let k = 0; k < n; k++) {
      const x = items[k] as number;
      if (seen[x] === 1) return false;
      seen[x] = 1;
    }
    return true;
  }
  return new Set(items).size === n;
}

/**
 * The body's input for `batch`. Without duplicates it is `items` itself; with them, the
 * distinct items, and `batch.remap` tells each position where its answer is (an item `keyOf`
 * cannot key gets -1, its error in `batch.keyErrors`). `itemsAreKeys`: no `itemKey` option,
 * so primitive items are their own keys and the {@link allDistinct} shortcut applies.
 */
export function distinctInput(
  batch: Batch,
  keyOf: (item: unknown) => unknown,
  itemsAreKeys: boolean,
): unknown[] {
  const items = batch.items;
  if (!batch.hasObjects && itemsAreKeys && allDistinct(items)) return items;
  const keys = new Map<unknown, number>();
  const distinct: unknown[] = [];
  const remap = new Array<number>(items.length);
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    let key: unknown;
    try {
      key = keyOf(item);
    } catch (error) {
      remap[k] = -1;
      (batch.keyErrors ??= new Map()).set(k, error);
      continue;
    }
    let index = keys.get(key);
    if (index === undefined) keys.set(key, (index = distinct.push(item) - 1));
    remap[k] = index;
  }
  if (distinct.length === items.length) return items;
  batch.remap = remap;
  return distinct;
}

/** Deferred dedupe with duplicates: the body's result spread back over the queued positions. */
export function expandAnswers(batch: Batch, result: unknown[]): unknown[] {
  const remap = batch.remap!;
  const out = new Array<unknown>(remap.length);
  for (let k = 0; k < remap.length; k++) {
    const index = remap[k]!;
    out[k] = index >= 0 ? result[index] : batch.keyErrors!.get(k);
  }
  return out;
}
