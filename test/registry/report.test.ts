import { describe, expect, it } from '@jest/globals';
import { formatBytes, formatMs, formatReport } from '../../src/registry/report.js';

describe('registry.report()', () => {
  it('prints one aligned table per decorator with units, then the registry-wide sections', () => {
    const text = formatReport({
      registry: 'shop',
      methods: {
        'UserService.getUser': {
          cached: { hits: 12_345, misses: 67, stale: 0, hitRate: 0.9946 },
          profile: {
            calls: 12_412,
            count: 12_412,
            errors: 3,
            meanMs: 0.0421,
            p99Ms: 12.5,
            maxMs: 1520,
          },
        },
        'UserService.loadUsers': {
          batched: { batches: 40, sizes: { max: 100, mean: 62.5 }, queued: 0 },
          profile: { calls: 40, count: 40, errors: 0, meanMs: null, p99Ms: null, maxMs: 3.25 },
        },
      },
      memory: {
        samples: 60,
        heapUsedBytes: 47_395_635,
        heapSlopeBytesPerSec: 1_258_291,
        trend: 'growing',
      },
    });
    expect(text).toBe(
      [
        "hotpath report — registry 'shop'",
        '',
        '@cached',
        'method                 hits  misses  stale  hitRate',
        'UserService.getUser  12,345      67      0     0.99',
        '',
        '@profile',
        'method                  calls   count  errors     mean      p99      max',
        'UserService.getUser    12,412  12,412       3  42.1 µs  12.5 ms   1.52 s',
        'UserService.loadUsers      40      40       0        -        -  3.25 ms',
        '',
        '@batched',
        'method                 batches  sizes.max  sizes.mean  queued',
        'UserService.loadUsers       40        100       62.50       0',
        '',
        'memory  samples 60 · heapUsed 45.2 MB · heapSlope 1.2 MB/s · trend growing',
      ].join('\n'),
    );
  });

  it('says so when nothing has been called yet', () => {
    expect(formatReport({ registry: 'empty', methods: {} })).toBe(
      "hotpath report — registry 'empty'\n\n(no decorated method has been called yet)",
    );
  });

  it('formats durations and sizes with a readable unit', () => {
    expect([0.0005, 0.25, 3.14159, 42.42, 1520, NaN].map(formatMs)).toEqual([
      '500 ns',
      '250.0 µs',
      '3.14 ms',
      '42.4 ms',
      '1.52 s',
      '-',
    ]);
    expect([512, 3_482, 47_395_635, 1.5 * 2 ** 30].map(formatBytes)).toEqual([
      '512 B',
      '3.4 KB',
      '45.2 MB',
      '1.50 GB',
    ]);
  });
});
