/**
 * `@profile` and `memoryMonitor`: call latencies, outcomes and histograms per method, memory
 * trends per process.
 */
export { profile, ProfileFigures, type ProfileOptions, type ProfileStats } from './profile.js';
export { DurationHistogram } from './histogram.js';
export {
  fitTrend,
  memoryMonitor,
  MemoryMonitor,
  type MemoryMonitorOptions,
  type MemorySample,
  type MemoryStats,
  type MemoryTrend,
  type TrendFit,
} from './memory-monitor.js';
