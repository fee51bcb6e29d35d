/**
 * The Bottleneck limiter hotpath builds for `engine: 'bottleneck'`: its settings, derived from
 * the limit (Bottleneck has no sliding window), and Bottleneck itself, loaded on the first build.
 */
import type Bottleneck from 'bottleneck';
import { requireHere } from '../core/require-here.js';
import type { BottleneckLike } from './bottleneck-like.js';

let loaded: typeof Bottleneck | undefined;

/**
 * Bottleneck itself, loaded when hotpath first builds a limiter (`engine: 'bottleneck'`): about
 * 20 files and 14 ms that `import 'hotpath'` would otherwise pay with the local engine, the
 * default. Loaded through `require` in both builds (Bottleneck is CommonJS).
 */
function bottleneck(): typeof Bottleneck {
  return (loaded ??= requireHere('bottleneck') as typeof Bottleneck);
}

/** The Bottleneck settings hotpath derives from `limit`/`interval`/`maxConcurrent`/`minTime`/`maxQueue`. */
export interface DerivedBottleneckSettings {
  maxConcurrent: number | null;
  minTime: number;
  /**
   * How late after its grant a job may start and still keep the limit (ms; `Infinity` when
   * nothing is spaced). Grants are `minTime` apart; starts made within `lateness` of them (and
   * at most 1 ms early, `Date.now()` counting whole milliseconds) put at most `limit` in any
   * window of `interval` as long as `limit × minTime ≥ interval + lateness + 1`, and stay
   * `minTime` (the option) apart as long as `derived minTime ≥ minTime + lateness + 1`.
   */
  lateness: number;
}

/**
 * Translates hotpath's limits into Bottleneck's. Bottleneck has no sliding window (its reservoir
 * refills in fixed windows, which lets `2 × limit` calls through around a refill), so
 * `limit` per `interval` becomes a spacing of `interval / limit` between starts: evenly spaced
 * starts can never put more than `limit` of them in any window of `interval`. Bottleneck spaces
 * the moments it grants; each process starts its job when its own timer fires, a little later
 * and by a different amount in each process, so 10 % + 2 ms of slack is added to the spacing
 * (and to `minTime`), and a job that would start later than that slack allows is scheduled
 * again (see {@link DerivedBottleneckSettings.lateness}). So a clustered limiter runs at about
 * 90 % of `limit`, without bursts, and never above it.
 */
export function deriveBottleneckSettings(s: {
  limit: number;
  interval: number;
  maxConcurrent: number;
  minTime: number;
}): DerivedBottleneckSettings {
  const window = s.limit === Number.POSITIVE_INFINITY ? 0 : s.interval / s.limit;
  const spacing = Math.max(s.minTime, window);
  const minTime = spacing > 0 ? Math.ceil((spacing * 11) / 10) + 2 : 0;
  let lateness = Number.POSITIVE_INFINITY;
  if (window > 0) lateness = s.limit * minTime - s.interval - 1;
  if (s.minTime > 0) lateness = Math.min(lateness, minTime - s.minTime - 1);
  return {
    maxConcurrent: s.maxConcurrent === Number.POSITIVE_INFINITY ? null : s.maxConcurrent,
    minTime,
    lateness,
  };
}

/** Builds a Bottleneck limiter from derived settings plus the user's own Bottleneck options (`datastore`, `id`, ...). */
export function buildBottleneck(
  settings: DerivedBottleneckSettings,
  extra: Bottleneck.ConstructorOptions | undefined,
): BottleneckLike {
  const Limiter = bottleneck();
  return new Limiter({
    ...extra,
    maxConcurrent: settings.maxConcurrent,
    minTime: settings.minTime,
  }) as unknown as BottleneckLike;
}
