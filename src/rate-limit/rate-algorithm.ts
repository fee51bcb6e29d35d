/**
 * How the local engine meters starts over time: a sliding window (sliding-window.ts), a token
 * bucket (token-bucket.ts), or no rate at all when only `maxConcurrent`/`minTime` limit. The
 * engine keeps `minTime`, `maxConcurrent` and the queue itself, whichever algorithm it uses.
 *
 * Times are the engine's monotonic milliseconds (sub-millisecond with the system clock).
 */
import type { LocalEngineSettings } from './local-engine.js';
import { SlidingWindow } from './sliding-window.js';
import { TokenBucket } from './token-bucket.js';

/** One budget's rate: asked before each start, told of each start made. */
export interface RateAlgorithm {
  /**
   * Ms until the rate allows a start at `now` (> 0), or 0 when it allows one now. Forgets what
   * has aged out by `now` (starts that left the window, tokens refilled), so it is not free of
   * effects, but asking twice at one `now` gives one answer.
   */
  wait(now: number): number;
  /** Counts a start at `now`, which {@link RateAlgorithm.wait} just allowed at that `now`. */
  record(now: number): void;
  /**
   * Counts a start whose time is not read yet, if the rate allows it whatever the time is (a
   * window with room even before expired starts are dropped, or no rate): true, and the caller
   * must {@link RateAlgorithm.commit} it; false (nothing counted) when only a clock reading can
   * tell. Lets an admitted call skip the reading before it starts.
   */
  reserve(): boolean;
  /** Gives the start {@link RateAlgorithm.reserve} counted its time, `now` (read once it began). */
  commit(now: number): void;
  /**
   * Whether start times matter (a sliding window): only then does the engine read the clock a
   * second time, after the method's synchronous part, to {@link RateAlgorithm.restamp} a start.
   */
  readonly timesStarts: boolean;
  /** Moves the starts counted at or after `from` to `to` (later); a no-op unless {@link RateAlgorithm.timesStarts}. */
  restamp(from: number, to: number): void;
  /** Ms after its last start that the rate remembers nothing (the window, or a full refill). */
  readonly idleAfter: number;
  /** Whether a fresh algorithm would answer exactly like this one at `now` (`lastStart`: the engine's latest start). */
  isIdle(now: number, lastStart: number): boolean;
}

/** No rate (`limit` not set): every start is allowed as far as the rate goes. */
class NoRate implements RateAlgorithm {
  readonly timesStarts = false;
  readonly idleAfter = 0;

  wait(): number {
    return 0;
  }

  record(): void {}

  reserve(): boolean {
    return true;
  }

  commit(): void {}

  restamp(): void {}

  isIdle(): boolean {
    return true;
  }
}

/** Holds nothing: every engine without a rate shares it. */
const NO_RATE = new NoRate();

/**
 * The algorithm `settings` ask for: a new one per engine (it holds the budget's state), except
 * the stateless no-rate one.
 */
export function rateAlgorithm(settings: LocalEngineSettings): RateAlgorithm {
  if (settings.algorithm === 'token-bucket') return new TokenBucket(settings);
  if (settings.limit === Number.POSITIVE_INFINITY) return NO_RATE;
  return new SlidingWindow(settings);
}
