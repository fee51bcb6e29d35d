/**
 * The Bottleneck engine with Bottleneck's local datastore (no Redis): what hotpath adds around
 * a given Bottleneck instance. Real timers (Bottleneck keeps its own), short waits.
 */
import { describe, expect, it } from '@jest/globals';
import Bottleneck from 'bottleneck';
import { RateLimitError, bindHotpath, control, createHotpath, rateLimit } from '../../src/index.js';
import { deriveBottleneckSettings } from '../../src/rate-limit/bottleneck-limiter.js';
import { busiestWindow } from '../helpers/busiest-window.js';
import { sleepMs } from '../helpers/time.js';

describe('@rateLimit with a local Bottleneck instance', () => {
  it('runs calls through the instance, in priority order, and reports running and waits', async () => {
    const limiter = new Bottleneck({ maxConcurrent: 1 });
    const registry = createHotpath({ limiters: { api: limiter } });
    const ran: string[] = [];
    // The first call runs until the others are queued (no race with a sleep on a busy machine).
    let release!: () => void;
    const queued = new Promise<void>((resolve) => (release = resolve));
    class Api {
      @rateLimit({ limiter: 'api', priority: (_name: string, p: number) => p })
      async call(name: string, _p: number): Promise<string> {
        ran.push(name);
        if (name === 'first') await queued;
        return name;
      }
    }
    const api = bindHotpath(new Api(), registry);
    const first = api.call('first', 5);
    while (ran.length === 0) await sleepMs(1);
    expect(control(api, 'call').stats().rateLimit).toMatchObject({ started: 1, running: 1 });
    const rest = [api.call('low', 9), api.call('high', 0), api.call('normal', 5)];
    // Bottleneck queues a job some milliseconds after schedule() (about 5 ms each, one after
    // the other, longer on a busy machine): the order is only decided once all three wait.
    while (limiter.counts().QUEUED < 3) await sleepMs(1);
    release();
    expect(await Promise.all([first, ...rest])).toEqual(['first', 'low', 'high', 'normal']);
    expect(ran).toEqual(['first', 'high', 'normal', 'low']);
    expect(control(api, 'call').stats().rateLimit).toMatchObject({
      started: 4,
      running: 0,
      queued: 0,
      waits: 4,
    });
    await registry.shutdown();
  });

  it('turns a job Bottleneck drops into a RateLimitError', async () => {
    const limiter = new Bottleneck({
      maxConcurrent: 1,
      highWater: 0,
      strategy: Bottleneck.strategy.OVERFLOW,
    });
    const registry = createHotpath({ limiters: { api: limiter } });
    class Api {
      @rateLimit({ limiter: 'api' })
      async call(): Promise<string> {
        await sleepMs(30);
        return 'ok';
      }
    }
    const api = bindHotpath(new Api(), registry);
    const first = api.call();
    await sleepMs(10);
    const error = await api.call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as Error).message).toBe(
      "Api.call: the Bottleneck limiter (limiter 'api') dropped the call (This job has been dropped by Bottleneck); retry in 0 ms",
    );
    expect(await first).toBe('ok');
    await registry.shutdown();
  });

  it('bounds the calls waiting in this process with maxQueue', async () => {
    const registry = createHotpath();
    class Api {
      @rateLimit({ maxConcurrent: 1, maxQueue: 2, engine: 'bottleneck' })
      async call(i: number): Promise<number> {
        await sleepMs(10);
        return i;
      }
    }
    const api = bindHotpath(new Api(), registry);
    const accepted = [api.call(1), api.call(2)];
    await expect(api.call(3)).rejects.toMatchObject({
      code: 'E_RATE_LIMITED',
      message: 'Api.call: rate limit queue is full (maxQueue 2); retry in 0 ms',
    });
    expect(await Promise.all(accepted)).toEqual([1, 2]);
    await registry.shutdown();
  });

  it('derives Bottleneck settings: limit/interval as spacing plus 10 % + 2 ms slack, and how late a start may be', () => {
    const inf = Number.POSITIVE_INFINITY;
    // 4 × 57 = 228 ms: a start up to 27 ms late (and 1 ms early) keeps 4 starts per 200 ms.
    expect(
      deriveBottleneckSettings({ limit: 4, interval: 200, maxConcurrent: inf, minTime: 0 }),
    ).toEqual({
      maxConcurrent: null,
      minTime: 57,
      lateness: 27,
    });
    expect(
      deriveBottleneckSettings({ limit: inf, interval: 1000, maxConcurrent: 3, minTime: 100 }),
    ).toEqual({
      maxConcurrent: 3,
      minTime: 112,
      lateness: 11,
    });
    expect(
      deriveBottleneckSettings({ limit: inf, interval: 1000, maxConcurrent: 3, minTime: 0 }),
    ).toEqual({
      maxConcurrent: 3,
      minTime: 0,
      lateness: inf,
    });
  });

  it('schedules again a job its process starts too late, so that starts keep the limit', async () => {
    // 1 per 100 ms: grants 112 ms apart, a start may be at most 11 ms late.
    const registry = createHotpath();
    const starts: number[] = [];
    class Api {
      @rateLimit({ limit: 1, interval: 100, engine: 'bottleneck' })
      async call(i: number): Promise<number> {
        starts.push(performance.now());
        return i;
      }
    }
    const api = bindHotpath(new Api(), registry);
    const calls = [0, 1, 2, 3].map((i) => api.call(i));
    // The process is busy from 60 to 260 ms (a long synchronous task, a descheduled VM): the
    // jobs granted for about 117 and 229 ms start only at 260 ms, together.
    const began = performance.now();
    await sleepMs(60);
    while (performance.now() - began < 260);
    expect((await Promise.all(calls)).sort()).toEqual([0, 1, 2, 3]);
    expect(busiestWindow(starts, 100)).toBe(1);
    await registry.shutdown();
  });

  it('keeps a built limiter within limit per interval', async () => {
    const registry = createHotpath();
    const starts: number[] = [];
    class Api {
      @rateLimit({ limit: 4, interval: 200, engine: 'bottleneck' })
      async call(): Promise<void> {
        starts.push(Date.now());
      }
    }
    const api = bindHotpath(new Api(), registry);
    await Promise.all(Array.from({ length: 6 }, () => api.call()));
    // 6 starts 57 ms apart: no 200 ms window holds more than 4 of them.
    expect(starts[5]! - starts[0]!).toBeGreaterThanOrEqual(200);
    const sorted = [...starts].sort((a, b) => a - b);
    for (let i = 4; i < sorted.length; i++)
      expect(sorted[i]! - sorted[i - 4]!).toBeGreaterThanOrEqual(200);
    await registry.shutdown();
  });

  it('rejects waiting calls with E_SHUTDOWN and lets the call in flight finish', async () => {
    const limiter = new Bottleneck({ maxConcurrent: 1 });
    const registry = createHotpath({ name: 'bn', limiters: { api: limiter } });
    let started = 0;
    class Api {
      @rateLimit({ limiter: 'api' })
      async call(): Promise<string> {
        started++;
        await sleepMs(30);
        return 'done';
      }
    }
    const api = bindHotpath(new Api(), registry);
    const first = api.call();
    while (started === 0) await sleepMs(1);
    const waiting = api.call().catch((e: unknown) => e);
    await registry.shutdown();
    expect(await first).toBe('done');
    expect(await waiting).toMatchObject({
      code: 'E_SHUTDOWN',
      message:
        "Api.call: the hotpath registry 'bn' is shutting down; the call was waiting for its rate limit and was not started",
    });
  });

  it('rejects with E_CONFIG when a key is used with a Bottleneck limiter', async () => {
    const registry = createHotpath({ limiters: { api: new Bottleneck() } });
    class Api {
      @rateLimit({ limiter: 'api', key: (k: string) => k })
      async call(_k: string): Promise<void> {}
    }
    await expect(bindHotpath(new Api(), registry).call('a')).rejects.toMatchObject({
      code: 'E_CONFIG',
      message:
        "@rateLimit on Api.call: `key` is not available with the Bottleneck limiter 'api' (use one named limiter per key)",
    });
    await registry.shutdown();
  });

  it('rejects with E_CONFIG naming the limiter when Bottleneck refuses its options', async () => {
    const registry = createHotpath({
      name: 'bn',
      limiters: { api: { limit: 10, engine: 'bottleneck', bottleneck: { datastore: 'nonsense' } } },
    });
    class Api {
      @rateLimit({ limiter: 'api' })
      async call(): Promise<void> {}
    }
    await expect(bindHotpath(new Api(), registry).call()).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: "@rateLimit on limiter 'api' of registry 'bn': Invalid datastore type: nonsense",
    });
    await registry.shutdown();
  });
});
