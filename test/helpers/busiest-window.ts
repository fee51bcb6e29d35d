/**
 * The checker behind every "never more than `limit` starts in any window" test.
 */

/** The largest number of starts in any half-open window `[t, t + interval)`. */
export function busiestWindow(starts: number[], interval: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= interval) lo++;
    most = Math.max(most, hi - lo + 1);
  }
  return most;
}
