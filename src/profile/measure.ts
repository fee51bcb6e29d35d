/**
 * `registry.measure(name, fn, options?)`: a block that is not a method, timed and recorded
 * like `@profile` (bunsui's `profile_context`), under `name` in the registry's `profile`
 * figures. The registry's method calls {@link measureBlock}.
 */
import {
  booleanOption,
  checkOptionsObject,
  durationOption,
  optionError,
  type Duration,
  type OptionSite,
} from '../core/options.js';
import type { Runtime } from '../core/runtime.js';
import { heapUsed, readingOverhead } from './heap-used.js';
import { startNs } from './elapsed.js';
import { DurationHistogram } from './histogram.js';
import { Recorder } from './profile.js';

/** Options of `registry.measure()`. */
export interface MeasureOptions {
  /**
   * Runs slower than this count as `slow` and are reported on the registry's `slow` event,
   * as with `@profile`.
   *
   * @default undefined (no run is slow)
   */
  slowThreshold?: Duration;
  /**
   * Also record the heap's growth during the run, as `@profile({ memory: true })` does.
   *
   * @default false
   */
  memory?: boolean;
}

const SITE: OptionSite = { where: 'registry.measure()' };
const KNOWN = ['slowThreshold', 'memory'] as const;

/**
 * Runs `fn` and records its duration and outcome under `name` in `registry`'s `profile`
 * figures (sync until it returns or throws, a promise until it settles); returns what `fn`
 * returned, the same promise included. Bad arguments throw a `TypeError` before `fn` runs.
 */
export function measureBlock<T>(
  registry: Runtime,
  name: string,
  fn: () => T,
  options?: MeasureOptions,
): T {
  if (typeof name !== 'string' || name.length === 0) {
    throw optionError(SITE, 'name', 'a non-empty string', name);
  }
  if (typeof fn !== 'function') throw optionError(SITE, 'fn', 'a function', fn);
  checkOptionsObject(SITE, options, KNOWN);
  const slowMs =
    durationOption(SITE, 'slowThreshold', options?.slowThreshold) ?? Number.POSITIVE_INFINITY;
  const memory = booleanOption(SITE, 'memory', options?.memory, false);

  const rec = new Recorder(registry, name, slowMs);
  rec.figures.calls++;
  let overhead = 0;
  let before = 0;
  if (memory) {
    rec.figures.heap ??= new DurationHistogram();
    overhead = readingOverhead();
    before = heapUsed();
  }
  const done = (failed: boolean): void => {
    rec.done(start, failed);
    if (memory) rec.grew(before, overhead);
  };
  const start = startNs();
  let result: T;
  try {
    result = fn();
  } catch (error) {
    done(true);
    throw error;
  }
  if (result instanceof Promise) {
    // The caller keeps the original promise; this derived one never rejects.
    result.then(
      () => done(false),
      () => done(true),
    );
  } else {
    done(false);
  }
  return result;
}
