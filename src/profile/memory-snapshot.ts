/**
 * `memoryMonitor.snapshot()` and `memoryMonitor.collect()` (the desktop app's
 * `MemoryMonitor`): one reading of the process's memory, and a garbage collection with what it
 * freed, for a debug endpoint or a test that hunts a leak.
 */
import { messagePrefix } from '../core/options.js';
import { HotpathError } from '../errors.js';

/** One reading of `process.memoryUsage()`, in bytes. */
export interface MemorySnapshot {
  /** When it was taken (`Date.now()`). */
  at: number;
  /** Resident set size: all the memory the process holds. */
  rssBytes: number;
  /** Bytes in use on the V8 heap. */
  heapUsedBytes: number;
  /** Bytes the V8 heap has reserved. */
  heapTotalBytes: number;
  /** Memory of C++ objects bound to JavaScript objects (buffers included). */
  externalBytes: number;
  /** Memory of `ArrayBuffer`s and `SharedArrayBuffer`s (`Buffer`s included); part of `external`. */
  arrayBuffersBytes: number;
}

/** What {@link collectGarbage} found: the readings around the collection and their difference. */
export interface MemoryCollection {
  before: MemorySnapshot;
  after: MemorySnapshot;
  /**
   * `before - after` per figure (negative when a figure grew); `at` is left out. The heap
   * figures are exact; `externalBytes` and `arrayBuffersBytes` may undercount, because V8 frees
   * the memory of dead `ArrayBuffer`s on a background thread after the collection returns (a
   * {@link memorySnapshot} a few milliseconds later shows it).
   */
  freed: Omit<MemorySnapshot, 'at'>;
  /** How long the collection took, ms. */
  durationMs: number;
}

/** Reads `process.memoryUsage()` (a few µs: it asks the OS for the RSS). */
export function memorySnapshot(): MemorySnapshot {
  const m = process.memoryUsage();
  return {
    at: Date.now(),
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    externalBytes: m.external,
    arrayBuffersBytes: m.arrayBuffers,
  };
}

const SITE = { where: 'memoryMonitor.collect()' };

/**
 * Runs a full garbage collection now and reports what it freed. Needs Node started with
 * `--expose-gc` (which defines the global `gc()`); without it, throws `HotpathError`
 * `E_CONFIG` saying so. Blocks the process for the collection (milliseconds on a heap of
 * hundreds of MB): not for a hot path.
 */
export function collectGarbage(): MemoryCollection {
  const gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') {
    throw new HotpathError(
      'E_CONFIG',
      `${messagePrefix(SITE)} needs Node started with --expose-gc (it defines the global gc() this calls); run \`node --expose-gc\``,
    );
  }
  const before = memorySnapshot();
  const started = globalThis.performance.now();
  (gc as () => void)();
  const durationMs = globalThis.performance.now() - started;
  const after = memorySnapshot();
  return {
    before,
    after,
    freed: {
      rssBytes: before.rssBytes - after.rssBytes,
      heapUsedBytes: before.heapUsedBytes - after.heapUsedBytes,
      heapTotalBytes: before.heapTotalBytes - after.heapTotalBytes,
      externalBytes: before.externalBytes - after.externalBytes,
      arrayBuffersBytes: before.arrayBuffersBytes - after.arrayBuffersBytes,
    },
    durationMs,
  };
}
