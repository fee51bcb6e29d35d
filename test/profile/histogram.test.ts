import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  BUCKETS,
  DurationHistogram,
  bucketLow,
  bucketOf,
  bucketWidth,
} from '../../src/profile/histogram.js';

describe('the duration histogram', () => {
  it('puts every value in a bucket whose bounds contain it, at most 1/32 wide relative to it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 - 1 }), (v) => {
        const b = bucketOf(v);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThan(BUCKETS);
        expect(bucketLow(b)).toBeLessThanOrEqual(v);
        expect(v).toBeLessThan(bucketLow(b) + bucketWidth(b));
        if (v >= 32) expect(bucketWidth(b) / v).toBeLessThanOrEqual(1 / 32);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps buckets contiguous and ordered at power-of-two edges', () => {
    for (let e = 5; e < 45; e++) {
      const edge = 2 ** e;
      expect(bucketOf(edge)).toBe(bucketOf(edge - 1) + 1);
      expect(bucketLow(bucketOf(edge))).toBe(edge);
    }
    expect(bucketOf(2 ** 50)).toBe(BUCKETS - 1);
  });

  it('reports percentiles within 1/64 of the exact ones, in order, for any sample', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10 ** 10 }), { minLength: 1, maxLength: 300 }),
        (values) => {
          const h = new DurationHistogram();
          for (const v of values) h.record(v);
          const sorted = [...values].sort((a, b) => a - b);
          let previous = h.min;
          for (const p of [50, 90, 95, 99]) {
            const exact = sorted[Math.max(1, Math.ceil((p / 100) * values.length)) - 1]!;
            const got = h.percentile(p);
            expect(Math.abs(got - exact) / exact).toBeLessThanOrEqual(1 / 64);
            expect(got).toBeGreaterThanOrEqual(previous);
            previous = got;
          }
          expect(h.max).toBe(sorted[sorted.length - 1]);
          expect(h.min).toBe(sorted[0]);
          expect(h.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 3);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is empty again after reset()', () => {
    const h = new DurationHistogram();
    h.record(1000);
    h.reset();
    expect([h.count, h.mean, h.percentile(50), h.min, h.max]).toEqual([0, NaN, NaN, Infinity, 0]);
  });
});
