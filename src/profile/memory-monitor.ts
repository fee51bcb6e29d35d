/**
 * `memoryMonitor({ interval })`: samples heap and RSS on a timer and tells whether memory is
 * growing, stable or shrinking, in the registry's `stats()` under `memory`.
 */
import { unrefTimeout } from '../core/clock.js';
import {
  checkOptionsObject,
  durationOption,
  optionError,
  type Duration,
  type OptionSite,
} from '../core/options.js';
import type { PublicRegistry, Runtime } from '../core/runtime.js';
import { defaultRuntime, runtimeOfRegistry } from '../core/runtime-of.js';
import {
  collectGarbage,
  memorySnapshot,
  type MemoryCollection,
  type MemorySnapshot,
} from './memory-snapshot.js';

/** Options of {@link memoryMonitor}. */
export interface MemoryMonitorOptions {
  /**
   * Time between samples.
   *
   * @default '10s'
   */
  interval?: Duration;
  /**
   * The registry whose `stats()` shows the figures and whose `shutdown()` stops the monitor.
   *
   * @default hotpath (the default registry)
   */
  registry?: PublicRegistry;
  /**
   * How many recent samples the trend is computed over (at least 3).
   *
   * @default 60
   */
  window?: number;
  /**
   * How much the fitted line must rise (or fall) across the window, relative to the mean, to
   * call the trend growing (or shrinking). Lower is more sensitive and more easily fooled by
   * garbage-collection sawtooth.
   *
   * @default 0.1 (10 %)
   */
  threshold?: number;
}

/** Direction of memory use over the window; `'unknown'` until 3 samples exist. */
export type MemoryTrend = 'growing' | 'stable' | 'shrinking' | 'unknown';

/** One reading of `process.memoryUsage()`. */
export interface MemorySample {
  /** `clock.now()` when taken, ms. */
  at: number;
  heapUsed: number;
  rss: number;
}

/** What `stats().memory` holds (JSON). */
export interface MemoryStats {
  /** Samples in the window. */
  samples: number;
  intervalMs: number;
  /** Latest readings. */
  heapUsedBytes: number;
  rssBytes: number;
  /** Least-squares slope of heapUsed over the window, bytes per second. */
  heapSlopeBytesPerSec: number;
  /** Least-squares slope of RSS over the window, bytes per second. */
  rssSlopeBytesPerSec: number;
  /** Trend of the heap (what leaks show in first). */
  trend: MemoryTrend;
  /** Trend of RSS (native memory, buffers). */
  rssTrend: MemoryTrend;
}

/** A fitted trend: slope per millisecond and its classification. */
export interface TrendFit {
  /** Least-squares slope, units per ms. */
  slope: number;
  /** Fitted change across the window relative to the mean value. */
  relativeChange: number;
  trend: MemoryTrend;
}

/**
 * Least-squares line through `(x, y)` points; classifies the fitted change across the x span,
 * relative to the mean y, against `threshold`. Fewer than 3 points (or no x spread) give
 * `'unknown'`.
 */
export function fitTrend(xs: readonly number[], ys: readonly number[], threshold = 0.1): TrendFit {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) return { slope: 0, relativeChange: 0, trend: 'unknown' };
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i]!;
    sy += ys[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    sxy += dx * (ys[i]! - my);
    sxx += dx * dx;
  }
  if (sxx === 0 || my === 0) return { slope: 0, relativeChange: 0, trend: 'unknown' };
  const slope = sxy / sxx;
  const relativeChange = (slope * (xs[n - 1]! - xs[0]!)) / Math.abs(my);
  const trend =
    relativeChange > threshold ? 'growing' : relativeChange < -threshold ? 'shrinking' : 'stable';
  return { slope, relativeChange, trend };
}

/** A running memory monitor; see {@link memoryMonitor}. */
export class MemoryMonitor {
  readonly intervalMs: number;
  readonly #registry: Runtime;
  readonly #window: number;
  readonly #threshold: number;
  readonly #samples: MemorySample[] = [];
  #timer: unknown;
  #running = true;
  readonly #removeHook: () => void;
  readonly #removeSection: () => void;

  /** Use {@link memoryMonitor}. */
  constructor(registry: Runtime, intervalMs: number, window: number, threshold: number) {
    this.#registry = registry;
    this.intervalMs = intervalMs;
    this.#window = window;
    this.#threshold = threshold;
    this.#removeSection = registry.section('memory', () => this.stats());
    this.#removeHook = registry.onShutdown(() => this.stop(), 'stop');
    this.sample();
    this.#schedule();
  }

  /** Whether it still samples. */
  get running(): boolean {
    return this.#running;
  }

  /** The samples in the window, oldest first (a copy). */
  get samples(): MemorySample[] {
    return [...this.#samples];
  }

  /** Takes a sample now (also done by the timer); returns it. */
  sample(): MemorySample {
    const { heapUsed, rss } = process.memoryUsage();
    const s = { at: this.#registry.clock.now(), heapUsed, rss };
    this.#samples.push(s);
    if (this.#samples.length > this.#window) this.#samples.shift();
    return s;
  }

  /** One reading of RSS, heap, external and array-buffer memory: `memoryMonitor.snapshot()`. */
  snapshot(): MemorySnapshot {
    return memorySnapshot();
  }

  /** A full garbage collection and what it freed (needs `--expose-gc`): `memoryMonitor.collect()`. */
  collect(): MemoryCollection {
    return collectGarbage();
  }

  /** Latest readings, slopes and trends (JSON). */
  stats(): MemoryStats {
    const samples = this.#samples;
    const at = samples.map((s) => s.at);
    const heap = fitTrend(
      at,
      samples.map((s) => s.heapUsed),
      this.#threshold,
    );
    const rss = fitTrend(
      at,
      samples.map((s) => s.rss),
      this.#threshold,
    );
    const last = samples[samples.length - 1];
    return {
      samples: samples.length,
      intervalMs: this.intervalMs,
      heapUsedBytes: last?.heapUsed ?? 0,
      rssBytes: last?.rss ?? 0,
      heapSlopeBytesPerSec: Math.round(heap.slope * 1000),
      rssSlopeBytesPerSec: Math.round(rss.slope * 1000),
      trend: heap.trend,
      rssTrend: rss.trend,
    };
  }

  /**
   * Stops sampling (also done by the registry's `shutdown()`). The last figures stay in
   * `stats()` until `detach` is true.
   */
  stop({ detach = false }: { detach?: boolean } = {}): void {
    if (this.#running) {
      this.#running = false;
      this.#registry.clock.clearTimeout(this.#timer);
      this.#removeHook();
    }
    if (detach) this.#removeSection();
  }

  #schedule(): void {
    // A chain of unref'd timeouts instead of an interval: the clock interface has no interval,
    // and a monitor must never keep the process alive.
    this.#timer = unrefTimeout(
      this.#registry.clock,
      () => {
        if (!this.#running) return;
        this.sample();
        this.#schedule();
      },
      this.intervalMs,
    );
  }
}

const SITE: OptionSite = { where: 'memoryMonitor' };
const KNOWN = ['interval', 'registry', 'window', 'threshold'] as const;

/**
 * Starts sampling `process.memoryUsage()` (heap used and RSS) every `interval` (default 10 s)
 * and shows the latest readings, least-squares slopes and a trend (`growing`, `stable`,
 * `shrinking`) over the last `window` samples in `registry.stats().memory` and `report()`.
 *
 * The timer never keeps the process alive; `monitor.stop()` or the registry's `shutdown()`
 * stops it. One monitor per registry: a second one replaces the first in `stats()`.
 * Cost: one `process.memoryUsage()` (a few µs) per interval.
 *
 * @example
 * const monitor = memoryMonitor({ interval: '30s' });
 * // later: hotpath.stats().memory.trend === 'growing' → look for a leak
 *
 * Throws a `TypeError` for an unknown option (naming the closest known one) or a bad value.
 */
function startMemoryMonitor(options: MemoryMonitorOptions = {}): MemoryMonitor {
  checkOptionsObject(SITE, options, KNOWN);
  // The registry clock re-arms waits past 24.8 days in chunks: any positive interval works.
  const intervalMs = durationOption(SITE, 'interval', options.interval, 10_000, {
    positive: true,
  });
  const window = options.window ?? 60;
  if (typeof window !== 'number' || !Number.isInteger(window) || window < 3) {
    throw optionError(SITE, 'window', 'an integer >= 3', options.window);
  }
  const threshold = options.threshold ?? 0.1;
  if (typeof threshold !== 'number' || !(threshold >= 0)) {
    throw optionError(SITE, 'threshold', 'a non-negative number', options.threshold);
  }
  const registry =
    options.registry === undefined ? defaultRuntime() : runtimeOfRegistry(options.registry);
  if (registry === undefined) {
    throw optionError(SITE, 'registry', 'a registry made by createHotpath()', options.registry);
  }
  return new MemoryMonitor(registry, intervalMs, window, threshold);
}

/** {@link memoryMonitor}'s shape: the function, and the two readings that need no monitor. */
export interface MemoryMonitorFunction {
  (options?: MemoryMonitorOptions): MemoryMonitor;
  /**
   * One reading of `process.memoryUsage()`: RSS, heap used and total, external and array
   * buffers, in bytes, with the time it was taken. A few µs (the RSS comes from the OS).
   */
  snapshot(): MemorySnapshot;
  /**
   * Runs a full garbage collection and returns the readings before and after and what it
   * freed per figure. Needs Node started with `--expose-gc`; otherwise throws `HotpathError`
   * `E_CONFIG` saying so. Blocks the process while it collects.
   */
  collect(): MemoryCollection;
}

/**
 * Starts sampling `process.memoryUsage()` (heap used and RSS) every `interval` (default 10 s)
 * and shows the latest readings, least-squares slopes and a trend (`growing`, `stable`,
 * `shrinking`) over the last `window` samples in `registry.stats().memory` and `report()`.
 * `memoryMonitor.snapshot()` and `memoryMonitor.collect()` read memory now, with no monitor.
 *
 * @example
 * memoryMonitor({ interval: '30s' });
 * const { freed } = memoryMonitor.collect(); // with node --expose-gc
 */
export const memoryMonitor: MemoryMonitorFunction = Object.assign(startMemoryMonitor, {
  snapshot: memorySnapshot,
  collect: collectGarbage,
});
