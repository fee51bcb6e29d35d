import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createHotpath, memoryMonitor, type MemoryStats } from '../../src/index.js';
import { fitTrend } from '../../src/profile/memory-monitor.js';

const run = promisify(execFile);
const child = path.join(__dirname, 'fixtures', 'memory-child.ts');

describe('fitTrend', () => {
  const xs = [0, 1000, 2000, 3000, 4000];

  it('calls a line rising by more than the threshold across the window growing', () => {
    const fit = fitTrend(xs, [100, 110, 120, 130, 140]);
    expect(fit.trend).toBe('growing');
    expect(fit.slope).toBeCloseTo(0.01, 10);
    expect(fit.relativeChange).toBeCloseTo(40 / 120, 10);
  });

  it('calls a falling line shrinking and noise around a level stable', () => {
    expect(fitTrend(xs, [140, 130, 120, 110, 100]).trend).toBe('shrinking');
    expect(fitTrend(xs, [100, 104, 98, 103, 99]).trend).toBe('stable');
  });

  it('sees through a garbage-collection sawtooth that climbs', () => {
    const x = Array.from({ length: 40 }, (_, i) => i * 100);
    const sawtooth = x.map((_, i) => 100 + (i % 5) * 20 + i * 2);
    expect(fitTrend(x, sawtooth).trend).toBe('growing');
    expect(
      fitTrend(
        x,
        x.map((_, i) => 100 + (i % 5) * 20),
      ).trend,
    ).toBe('stable');
  });

  it('answers unknown with fewer than 3 samples', () => {
    expect(fitTrend([0, 1], [1, 2])).toEqual({ slope: 0, relativeChange: 0, trend: 'unknown' });
  });
});

describe('memoryMonitor', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('samples at once and every interval, keeps a window, and shows it in stats() and report()', async () => {
    const registry = createHotpath({ name: 'mem' });
    const monitor = memoryMonitor({ interval: '100ms', window: 3, registry });
    expect(monitor.samples).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(250);
    expect(monitor.samples).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(200);
    expect(monitor.samples.map((s) => s.at - monitor.samples[0]!.at)).toEqual([0, 100, 200]);
    const memory = registry.stats().memory as MemoryStats;
    expect(memory).toMatchObject({ samples: 3, intervalMs: 100 });
    expect(memory.heapUsedBytes).toBeGreaterThan(0);
    expect(memory.rssBytes).toBeGreaterThan(memory.heapUsedBytes);
    expect(['growing', 'stable', 'shrinking']).toContain(memory.trend);
    // Units follow the size: a Jest worker late in a full run has held more than 1 GB of RSS.
    expect(registry.report()).toMatch(
      /\n\nmemory {2}samples 3 · interval 100\.0 ms · heapUsed [\d.]+ [KMG]?B · rss [\d.]+ [KMG]?B · heapSlope -?[\d.]+ [KMG]?B\/s · rssSlope -?[\d.]+ [KMG]?B\/s · trend (growing|stable|shrinking) · rssTrend \w+$/,
    );
    monitor.stop();
  });

  it('stops on the registry shutdown and keeps its last figures', async () => {
    const registry = createHotpath();
    const monitor = memoryMonitor({ interval: 50, registry });
    await jest.advanceTimersByTimeAsync(100);
    await registry.shutdown();
    expect(monitor.running).toBe(false);
    await jest.advanceTimersByTimeAsync(500);
    expect(monitor.samples).toHaveLength(3);
    expect((registry.stats().memory as MemoryStats).samples).toBe(3);
    monitor.stop({ detach: true });
    expect(registry.stats().memory).toBeUndefined();
  });

  it('rejects bad options, naming them', () => {
    expect(() => memoryMonitor({ interval: 0 })).toThrow(
      "memoryMonitor: `interval` must be a positive duration (milliseconds or a string like '5m'), got 0",
    );
    expect(() => memoryMonitor({ window: 2 })).toThrow(
      'memoryMonitor: `window` must be an integer >= 3, got 2',
    );
    expect(() => memoryMonitor({ threshold: -1 })).toThrow(
      'memoryMonitor: `threshold` must be a non-negative number, got -1',
    );
  });

  it('names a misspelt option, a registry that is not one and options that are not an object', () => {
    expect(() => memoryMonitor({ intervall: '1s' } as never)).toThrow(
      new TypeError('memoryMonitor: unknown option `intervall` (did you mean `interval`?)'),
    );
    expect(() => memoryMonitor({ windows: 10 } as never)).toThrow(
      new TypeError('memoryMonitor: unknown option `windows` (did you mean `window`?)'),
    );
    expect(() => memoryMonitor({ registry: { name: 'app' } } as never)).toThrow(
      new TypeError(
        "memoryMonitor: `registry` must be a registry made by createHotpath(), got { name: 'app' }",
      ),
    );
    expect(() => memoryMonitor('10s' as never)).toThrow(
      new TypeError("memoryMonitor: options must be an object, got '10s'"),
    );
    expect(() => memoryMonitor({ interval: 'forever' })).toThrow(
      new TypeError(
        "memoryMonitor: `interval` must be a positive duration (milliseconds or a string like '5m'), got 'forever'",
      ),
    );
  });
});

describe('memoryMonitor in a real process', () => {
  it('detects a deliberate leak as growing and a steady process as not growing; its timer never keeps a process alive', async () => {
    const start = async (mode: string): Promise<{ memory: MemoryStats; kept: number }> => {
      const { stdout } = await run(
        process.execPath,
        ['--max-semi-space-size=1', '--import', 'tsx', child, mode],
        { timeout: 15_000 },
      );
      return JSON.parse(stdout) as { memory: MemoryStats; kept: number };
    };
    const [leak, steady] = await Promise.all([start('leak'), start('steady')]);
    expect(leak.kept).toBeGreaterThan(50);
    expect(leak.memory.trend).toBe('growing');
    expect(leak.memory.heapSlopeBytesPerSec).toBeGreaterThan(5 * 2 ** 20);
    expect(steady.memory.trend).not.toBe('growing');
    expect(steady.memory.samples).toBeGreaterThan(20);
  }, 30_000);
});
