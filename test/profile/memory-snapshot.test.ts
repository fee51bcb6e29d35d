/**
 * `memoryMonitor.snapshot()` and `memoryMonitor.collect()`: one reading of RSS, heap, external
 * and array-buffer memory; a garbage collection (child processes with and without --expose-gc,
 * fixtures/collect.ts) and what it freed.
 */
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { memoryMonitor } from '../../src/index.js';
import { runFixture } from '../helpers/child-fixture.js';

const FIXTURE = path.join(__dirname, 'fixtures', 'collect.ts');

describe('memoryMonitor.snapshot()', () => {
  it('reads RSS, heap, external and array-buffer memory in bytes', () => {
    const before = Date.now();
    const snapshot = memoryMonitor.snapshot();
    expect(Object.keys(snapshot)).toEqual([
      'at',
      'rssBytes',
      'heapUsedBytes',
      'heapTotalBytes',
      'externalBytes',
      'arrayBuffersBytes',
    ]);
    expect(snapshot.at).toBeGreaterThanOrEqual(before);
    expect(snapshot.heapUsedBytes).toBeGreaterThan(0);
    expect(snapshot.heapTotalBytes).toBeGreaterThanOrEqual(snapshot.heapUsedBytes);
    expect(snapshot.rssBytes).toBeGreaterThan(snapshot.heapUsedBytes);
    expect(snapshot.externalBytes).toBeGreaterThanOrEqual(snapshot.arrayBuffersBytes);
  });
});

describe('memoryMonitor.collect()', () => {
  it('collects garbage and reports what it freed (--expose-gc)', async () => {
    const run = await runFixture(FIXTURE, [], { node: ['--expose-gc'] });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const out = JSON.parse(run.stdout) as {
      freedHeapMB: number;
      freedArrayBuffersMB: number;
      freedArrayBuffersLaterMB: number;
      consistent: boolean;
      durationMs: boolean;
      snapshotKeys: string[];
    };
    // 20 MB of arrays and 16 MB of buffers, reachable until just before collect(): the heap
    // figure is exact; the buffers' memory V8 frees on a background thread, so it shows in a
    // reading taken a little later, while the collection's own figure may undercount it.
    expect(out.freedHeapMB).toBeGreaterThan(19);
    expect(out.freedArrayBuffersMB).toBeGreaterThanOrEqual(0);
    expect(out.freedArrayBuffersLaterMB).toBeGreaterThan(15);
    expect(out).toMatchObject({ consistent: true, durationMs: true });
    expect(out.snapshotKeys).toContain('arrayBuffersBytes');
  }, 60_000);

  it('says it needs --expose-gc when Node was started without it', async () => {
    const run = await runFixture(FIXTURE);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toEqual({
      code: 'E_CONFIG',
      message:
        'HotpathError: memoryMonitor.collect(): needs Node started with --expose-gc (it defines the global gc() this calls); run `node --expose-gc`',
    });
  }, 60_000);
});
