/**
 * A log-linear ("HDR-style") histogram of durations in nanoseconds: fixed memory, O(1)
 * recording, percentiles with a bounded relative error.
 *
 * Values below 32 ns get a bucket each; above, every power of two is split into 32 equal
 * buckets, so a reported percentile is within 1/64 (about 1.6 %) of the true value (it is the
 * middle of its bucket, clamped to the observed min and max). Values up to 2^45 ns (about
 * 9.8 hours) are resolved; longer ones share the last bucket.
 *
 * Why not `perf_hooks.createHistogram()`: its `record()` crosses into C++ and costs about
 * 16 ns on Node 20, this one about 5 ns (bench/profile.bench.ts measures both), and it
 * exposes its buckets for merging and exporters.
 */

const SUB_BITS = 5;
const SUB = 1 << SUB_BITS;
const MAX_EXP = 45;
/** Number of buckets: 32 linear ones, then 32 per power of two from 2^5 to 2^45. */
export const BUCKETS = SUB + (MAX_EXP - SUB_BITS + 1) * SUB;
const TWO_31 = 2 ** 31;

/** The bucket of a non-negative integer `ns`. */
export function bucketOf(ns: number): number {
  if (ns < SUB) return ns < 0 ? 0 : ns;
  if (ns < TWO_31) {
    const e = 31 - Math.clz32(ns);
    return SUB + ((e - SUB_BITS) << SUB_BITS) + ((ns >>> (e - SUB_BITS)) - SUB);
  }
  const e = Math.floor(Math.log2(ns));
  if (e > MAX_EXP) return BUCKETS - 1;
  const top = Math.floor(ns / 2 ** (e - SUB_BITS));
  // log2 of a float can round up at an exact power's edge: keep `top` within [SUB, 2 * SUB).
  return SUB + ((e - SUB_BITS) << SUB_BITS) + Math.min(SUB - 1, Math.max(0, top - SUB));
}

/** The smallest value of bucket `index`. */
export function bucketLow(index: number): number {
  if (index < SUB) return index;
  const k = index - SUB;
  const shift = Math.floor(k / SUB);
  return (SUB + (k % SUB)) * 2 ** shift;
}

/** How many consecutive values bucket `index` holds. */
export function bucketWidth(index: number): number {
  return index < SUB ? 1 : 2 ** Math.floor((index - SUB) / SUB);
}

/**
 * Counts, sum, min, max and log-linear buckets of durations recorded in nanoseconds.
 * About 10.5 KB per histogram (one `Float64Array`, so counts never overflow).
 */
export class DurationHistogram {
  /** Recorded values. */
  count = 0;
  /** Sum of recorded values, ns. */
  sum = 0;
  /** Smallest recorded value, ns (`Infinity` while empty). */
  min = Number.POSITIVE_INFINITY;
  /** Largest recorded value, ns (`0` while empty). */
  max = 0;
  /**
   * Counts per bucket (see {@link bucketOf}). Annotated so that the published `.d.ts` says
   * `Float64Array`: the inferred `Float64Array<ArrayBuffer>` is an error before TypeScript 5.7.
   */
  readonly buckets: Float64Array = new Float64Array(BUCKETS);

  /** Records one value (rounded to whole nanoseconds; negatives count as 0). */
  record(ns: number): void {
    const v = ns > 0 ? Math.round(ns) : 0;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.buckets[bucketOf(v)]++;
  }

  /** Mean in ns (`NaN` while empty). */
  get mean(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }

  /**
   * The value at percentile `p` (0–100) in ns: the middle of the bucket holding the
   * `ceil(p/100 · count)`-th smallest value, clamped to [min, max]. `NaN` while empty.
   */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    const buckets = this.buckets;
    for (let i = 0; i < BUCKETS; i++) {
      seen += buckets[i]!;
      if (seen >= rank) {
        const middle = bucketLow(i) + (bucketWidth(i) - 1) / 2;
        return Math.min(this.max, Math.max(this.min, middle));
      }
    }
    return this.max;
  }

  /** Forgets every value. */
  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = 0;
    this.buckets.fill(0);
  }
}
