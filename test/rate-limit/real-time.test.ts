/**
 * The local engine on real time, measured the way a user (or the server at the other end)
 * measures it: `performance.now()` read first thing in the method body. Whole `Date.now()`
 * milliseconds let a start late in one millisecond and another early in a later one count as
 * further apart than they are.
 */
import { describe, expect, it } from '@jest/globals';
import { bindHotpath, createHotpath, rateLimit } from '../../src/index.js';
import { busiestWindow } from '../helpers/busiest-window.js';
import { sleepMs } from '../helpers/time.js';

describe('@rateLimit, local engine, on real time', () => {
  it('never lets a window of `interval` hold more than `limit` starts, to the sub-millisecond', async () => {
    const limit = 20;
    const interval = 200;
    const starts: number[] = [];
    class Api {
      @rateLimit({ limit, interval })
      async call(): Promise<void> {
        starts.push(performance.now());
      }
    }
    const api = bindHotpath(new Api(), createHotpath());
    // Three calls every 1 to 10 ms, faster than the limit: most start when the oldest start of
    // the window expires, at whatever point of a millisecond that is.
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 120; i++) {
      calls.push(api.call());
      if (i % 3 === 2) await sleepMs(1 + ((i * 7919) % 10));
    }
    await Promise.all(calls);
    expect(starts).toHaveLength(120);
    expect(busiestWindow(starts, interval)).toBeLessThanOrEqual(limit);
  }, 10_000);

  it('never starts two calls closer than minTime, to the sub-millisecond', async () => {
    const starts: number[] = [];
    class Api {
      @rateLimit({ minTime: 15 })
      async call(): Promise<void> {
        starts.push(performance.now());
      }
    }
    const api = bindHotpath(new Api(), createHotpath());
    await Promise.all(Array.from({ length: 40 }, () => api.call()));
    const gaps = starts.slice(1).map((start, i) => start - starts[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(15);
  }, 10_000);
});
