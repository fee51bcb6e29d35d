/**
 * `@profile({ name?, slowThreshold?, sampleRate = 1, memory = false })`: call durations,
 * outcomes and a latency histogram per method, aggregated per registry; with `memory`, a
 * histogram of each call's heap growth too.
 */
import { createDecorator, type AnyFunction, type HotpathDecorator } from '../core/intercept.js';
import type { Call } from '../core/call.js';
import {
  booleanOption,
  checkOptionsObject,
  durationOption,
  numberOption,
  stringOption,
  type Duration,
} from '../core/options.js';
import {
  PASS,
  type DirectCall,
  type Invoke,
  type Shortcut,
  type ShortcutLayer,
  type SiteInfo,
} from '../core/site.js';
import { perSiteCopy } from '../core/per-site-copy.js';
import { runtimeIfAny } from '../core/runtime-of.js';
import { PerRuntime } from '../core/per-runtime.js';
import type { Runtime } from '../core/runtime.js';
import { heapUsed, readingOverhead } from './heap-used.js';
import { elapsedNs, startNs } from './elapsed.js';
import { DurationHistogram } from './histogram.js';

/** Options of {@link profile}. */
export interface ProfileOptions {
  /**
   * The name the figures are filed under in `stats()`, `report()` and the `slow` event.
   * Methods sharing a name share one histogram.
   *
   * @default `ClassName.method`
   */
  name?: string;
  /**
   * Calls that take longer than this are counted as `slow` and reported on the registry's
   * `slow` event (`registry.on('slow', ...)`), with their duration and outcome.
   *
   * @default undefined (no call is slow)
   */
  slowThreshold?: Duration;
  /**
   * Fraction of calls that are timed, from 0 to 1. Unsampled calls cost a counter increment and
   * one `Math.random()`; they count in `calls` only, and are not checked against
   * `slowThreshold`.
   *
   * @default 1 (every call)
   */
  sampleRate?: number;
  /**
   * Also record how much the V8 heap grew during each timed call (bytes, from a reading of
   * `v8.getHeapStatistics()` before and after: the desktop app's `@log_memory_usage`), as a
   * histogram under `memory` in `stats()` and `report()`. A call during which a garbage
   * collection ran shows less than it allocated (a negative difference counts as 0 and in
   * `memory.collected`); a promise-returning call counts everything the process allocated
   * until it settled, other calls' allocations included.
   *
   * Cost: two heap readings per timed call, about 0.5 to 1 µs each (`npm run bench --
   * profile` measures it beside plain `@profile`). Pair it with `sampleRate` on hot methods.
   *
   * @default false
   */
  memory?: boolean;
}

/** The heap growth of `@profile({ memory: true })`'s timed calls, in bytes (see {@link ProfileStats}). */
export interface ProfileMemoryStats {
  /** Calls measured. */
  count: number;
  /** Calls during which the heap shrank (a garbage collection ran): recorded as 0. */
  collected: number;
  meanBytes: number | null;
  p50Bytes: number | null;
  p90Bytes: number | null;
  p99Bytes: number | null;
  maxBytes: number | null;
}

/**
 * `@profile`'s figures for one method in one registry, as `stats()` shows them. Durations are
 * milliseconds (`null` until a call was recorded); percentiles are within about 1.6 %.
 */
export interface ProfileStats {
  /** Every call, sampled or not. */
  calls: number;
  /** Calls recorded (timed); equals `calls` with `sampleRate: 1`. */
  count: number;
  /** Recorded calls that threw or whose promise rejected. */
  errors: number;
  /** Recorded calls slower than `slowThreshold`. */
  slow: number;
  meanMs: number | null;
  minMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** With `memory: true`: how much the heap grew per call. */
  memory?: ProfileMemoryStats;
}

const NS_PER_MS = 1e6;

function ms(ns: number): number | null {
  // Three decimals of a millisecond (1 ns) keeps the JSON readable without losing anything.
  return Number.isFinite(ns) ? Math.round(ns) / NS_PER_MS : null;
}

/**
 * The mutable figures of one profiled name in one registry: the object `registry.metric()`
 * holds; `stats()` serializes it through `toJSON()`.
 */
class ProfileFigures {
  calls = 0;
  errors = 0;
  slow = 0;
  readonly histogram = new DurationHistogram();
  /** Heap growth per call in bytes; made by the first `memory: true` site filed here. */
  heap: DurationHistogram | undefined = undefined;
  /** Calls whose heap reading went down (a collection ran during them). */
  collected = 0;

  /** The figures as JSON (see {@link ProfileStats}). */
  toJSON(): ProfileStats {
    const h = this.histogram;
    const stats: ProfileStats = {
      calls: this.calls,
      count: h.count,
      errors: this.errors,
      slow: this.slow,
      meanMs: ms(h.mean),
      minMs: ms(h.count === 0 ? Number.NaN : h.min),
      p50Ms: ms(h.percentile(50)),
      p90Ms: ms(h.percentile(90)),
      p95Ms: ms(h.percentile(95)),
      p99Ms: ms(h.percentile(99)),
      maxMs: ms(h.count === 0 ? Number.NaN : h.max),
    };
    const heap = this.heap;
    if (heap !== undefined) {
      const bytes = (n: number): number | null =>
        heap.count === 0 || !Number.isFinite(n) ? null : Math.round(n);
      stats.memory = {
        count: heap.count,
        collected: this.collected,
        meanBytes: bytes(heap.mean),
        p50Bytes: bytes(heap.percentile(50)),
        p90Bytes: bytes(heap.percentile(90)),
        p99Bytes: bytes(heap.percentile(99)),
        maxBytes: bytes(heap.max),
      };
    }
    return stats;
  }
}

const newFigures = (): ProfileFigures => new ProfileFigures();

/**
 * Where one site's calls in one registry are recorded. Held by the invoker so a call does not
 * look the figures up.
 */
export class Recorder {
  readonly figures: ProfileFigures;
  /** The name in `slow` events: the `name` option, else `ClassName.method`. */
  readonly name: string;
  /** `slowMs` in nanoseconds, as calls are measured. */
  readonly slowNs: number;

  /** `key`: the `name` option (methods sharing it aggregate), else the method's own site. */
  constructor(
    readonly registry: Runtime,
    key: string | SiteInfo,
    readonly slowMs: number,
  ) {
    this.name = typeof key === 'string' ? key : key.name;
    this.slowNs = slowMs * NS_PER_MS;
    this.figures = registry.metric(key, 'profile', newFigures);
  }

  /** Records the heap growth of a call that started with the heap at `before` bytes. */
  grew(before: number, overhead: number): void {
    const figures = this.figures;
    const delta = heapUsed() - before - overhead;
    if (delta < 0) figures.collected++;
    (figures.heap ??= new DurationHistogram()).record(delta > 0 ? delta : 0);
  }

  /** Records a call that started at `start` (a {@link startNs} reading). */
  done(start: bigint, failed: boolean): void {
    const ns = elapsedNs(start);
    const figures = this.figures;
    figures.histogram.record(ns);
    if (failed) figures.errors++;
    if (ns > this.slowNs) {
      figures.slow++;
      const registry = this.registry;
      if (registry.hasListeners('slow')) {
        registry.emitSlow({
          method: this.name,
          durationMs: ns / NS_PER_MS,
          thresholdMs: this.slowMs,
          error: failed,
        });
      }
    }
  }
}

/**
 * Times every call of the method (sync calls until they return or throw, promise-returning
 * calls until the promise settles), counts outcomes and keeps a latency histogram (count,
 * errors, mean, min, max, p50, p90, p95, p99) per method and registry, shown by
 * `control(obj, 'm').stats()`, `registry.stats()` (JSON) and `registry.report()`.
 *
 * - `slowThreshold`: slower calls go to `registry.on('slow', ...)`.
 * - `sampleRate`: time only a fraction of the calls.
 * - Figures aggregate every instance of the class that uses the same registry.
 * - Durations come from `process.hrtime.bigint()` (monotonic, whole nanoseconds; Jest's modern
 *   fake timers fake it too, so a test can make a call "take" 25 ms with
 *   `jest.advanceTimersByTime(25)` inside it).
 *
 * Cost: about 115 ns of CPU per recorded call over an undecorated one on a 2-core VM, most of
 * it the two clock readings (about 80 ns; kvm-clock) and the interception core's `Call` (about
 * 30 ns); a promise-returning call also pays one `then()`.
 * Put `@profile` outermost to time everything below it (a `@cached` hit, a rate-limit wait);
 * under other decorators it times only what they let through.
 *
 * @example
 * class UserService {
 *   @profile({ slowThreshold: '200ms' })
 *   async getUser(id: string): Promise<User> { ... }
 * }
 */
export function profile(options?: ProfileOptions): HotpathDecorator<AnyFunction> {
  return createDecorator({
    name: 'profile',
    layer(site): ShortcutLayer {
      checkOptionsObject(site, options, ['name', 'slowThreshold', 'sampleRate', 'memory']);
      const name = stringOption(site, 'name', options?.name);
      const slowMs =
        durationOption(site, 'slowThreshold', options?.slowThreshold) ?? Number.POSITIVE_INFINITY;
      const sampleRate = numberOption(site, 'sampleRate', options?.sampleRate, 1, 0, 1);
      const memory = booleanOption(site, 'memory', options?.memory, false);
      const recorderOf = (registry: Runtime, s: SiteInfo): Recorder => {
        const recorder = new Recorder(registry, name ?? s, slowMs);
        // Shown (as empty figures) from the start, like the latency histogram.
        if (memory) recorder.figures.heap ??= new DurationHistogram();
        return recorder;
      };

      // One recorder per registry (set up by `wrap`); the last one is remembered so a call
      // does not look it up.
      let recorder: Recorder | undefined;
      let recorders: PerRuntime<Recorder> | undefined;
      const recorderFor = (registry: Runtime): Recorder =>
        recorder !== undefined && recorder.registry === registry
          ? recorder
          : (recorder = recorders!.get(registry));

      return {
        decorator: 'profile',
        wrap(inner: Invoke, s): Invoke {
          recorders = new PerRuntime((registry) => recorderOf(registry, s));
          // `memory: true`: the same, with a heap reading before and after (kept out of the
          // plain invoker, which stays as it was).
          const overhead = memory ? readingOverhead() : 0;
          const measured = (rec: Recorder, call: Call): unknown => {
            const before = heapUsed();
            const start = startNs();
            let result: unknown;
            try {
              result = inner(call);
            } catch (error) {
              rec.done(start, true);
              rec.grew(before, overhead);
              throw error;
            }
            if (result instanceof Promise) {
              result.then(
                () => {
                  rec.done(start, false);
                  rec.grew(before, overhead);
                },
                () => {
                  rec.done(start, true);
                  rec.grew(before, overhead);
                },
              );
            } else {
              rec.done(start, false);
              rec.grew(before, overhead);
            }
            return result;
          };
          return function profiled(call) {
            const rec = recorderFor(call.runtime);
            rec.figures.calls++;
            if (sampleRate < 1 && !(Math.random() < sampleRate)) return inner(call);
            if (memory) return measured(rec, call);
            const start = startNs();
            let result: unknown;
            try {
              result = inner(call);
            } catch (error) {
              rec.done(start, true);
              throw error;
            }
            return settled(rec, start, result);
          };
        },
        // Alone on a class member, with every call timed and no heap readings: a call of one
        // argument or none runs the method itself, without the chain's `Call` (about 25 ns of
        // the layer's cost in the realistic bench). A copy per method (core/per-site-copy.ts).
        runsMethod: true,
        shortcut(s: SiteInfo, direct: DirectCall | undefined): Shortcut | undefined {
          if (direct === undefined || sampleRate < 1 || memory) return undefined;
          const recorderOfOwner = (owner: object): Recorder | undefined => {
            const registry = runtimeIfAny(owner);
            return registry === undefined ? undefined : recorderFor(registry);
          };
          return perSiteCopy(s, profileShortcut, recorderOfOwner, direct, shortcutHelpers);
        },
        control: {
          stats(ctx) {
            return recorderOf(ctx.runtime, ctx.site).figures.toJSON() as unknown as Record<
              string,
              unknown
            >;
          },
        },
      };
    },
  });
}

/**
 * What a call that returned `result` (started at `start`) leaves to record: now, or when the
 * promise it returned settles. The derived promise's handlers never throw: it cannot reject
 * unhandled, and the caller keeps the original promise.
 */
function settled(rec: Recorder, start: bigint, result: unknown): unknown {
  if (result instanceof Promise) {
    result.then(
      () => rec.done(start, false),
      () => rec.done(start, true),
    );
  } else {
    rec.done(start, false);
  }
  return result;
}

/** What {@link profileShortcut} uses from this module and its imports. */
interface ShortcutHelpers {
  readonly PASS: typeof PASS;
  readonly startNs: typeof startNs;
  readonly settled: typeof settled;
}

const shortcutHelpers: ShortcutHelpers = { PASS, startNs, settled };

/**
 * Makes `@profile`'s shortcut: the plain invoker's work, with the method run by `direct`.
 * Compiled again from its source for every method (core/per-site-copy.ts), so it uses nothing
 * but its parameters and holds no comments. Without a registry for the owner it passes (the
 * chain then reports that).
 */
function profileShortcut(
  recorderOfOwner: (owner: object) => Recorder | undefined,
  direct: DirectCall,
  helpers: ShortcutHelpers,
): Shortcut {
  const { PASS, startNs, settled } = helpers;
  return (owner, argc, arg) => {
    const rec = recorderOfOwner(owner);
    if (rec === undefined) return PASS;
    rec.figures.calls++;
    const start = startNs();
    let result: unknown;
    try {
      result = direct(owner, argc, arg);
    } catch (error) {
      rec.done(start, true);
      throw error;
    }
    return settled(rec, start, result);
  };
}
