/**
 * `@profile` and `memoryMonitor`: call latencies, outcomes and histograms per method, memory
 * trends per process.
 */
export {
  profile,
  type ProfileMemoryStats,
  type ProfileOptions,
  type ProfileStats,
} from './profile.js';
export {
  memoryMonitor,
  MemoryMonitor,
  type MemoryMonitorFunction,
  type MemoryMonitorOptions,
  type MemorySample,
  type MemoryStats,
  type MemoryTrend,
} from './memory-monitor.js';
export type { MemoryCollection, MemorySnapshot } from './memory-snapshot.js';
export type { MeasureOptions } from './measure.js';
