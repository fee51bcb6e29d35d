import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  HotpathError,
  RateLimitError,
  batched,
  bindHotpath,
  control,
  createHotpath,
  rateLimit,
  type Hotpath,
} from '../../src/index.js';
import { type HotpathEvent } from '../../src/extend.js';
import { LEGACY } from '../helpers/mode.js';
import { busiestWindow } from '../helpers/busiest-window.js';
import { sleepMs } from '../helpers/time.js';
import { HandClock } from '../helpers/hand-clock.js';

/** A small seeded PRNG (mulberry32), so the random schedules are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let registry: Hotpath;

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
  registry = createHotpath({ name: 'rate-limit-test' });
});

afterEach(async () => {
  jest.useRealTimers();
});

const t0 = 1_000_000;

describe('@rateLimit, local engine', () => {
  it('returns the method own promise when no wait is needed (no extra promise)', async () => {
    const p = Promise.resolve('own');
    class Api {
      @rateLimit({ limit: 5 })
      get(): Promise<string> {
        return p;
      }
    }
    const api = bindHotpath(new Api(), registry);
    expect(api.get()).toBe(p);
    await expect(api.get()).resolves.toBe('own');
  });

  it('starts every call exactly when the sliding window allows, over 10 000 random arrivals', async () => {
    const limit = 10;
    const interval = 1_000;
    const starts: number[] = [];
    const order: number[] = [];
    class Api {
      @rateLimit({ limit, interval })
      async call(i: number): Promise<number> {
        starts.push(Date.now());
        order.push(i);
        return i;
      }
    }
    const api = bindHotpath(new Api(), registry);
    const random = prng(7);
    const arrivals: number[] = [];
    let at = 0;
    for (let i = 0; i < 10_000; i++) {
      // Bursts and lulls: mostly close together, sometimes a long gap.
      at += random() < 0.05 ? Math.floor(random() * 5_000) : Math.floor(random() * 150);
      arrivals.push(at);
    }
    const results: Promise<number>[] = [];
    arrivals.forEach((when, i) => setTimeout(() => results.push(api.call(i)), when));
    await jest.runAllTimersAsync();
    expect(await Promise.all(results)).toEqual(arrivals.map((_, i) => i));

    expect(busiestWindow(starts, interval)).toBe(limit);
    expect(order).toEqual(arrivals.map((_, i) => i));
    // Exactness: each call starts at the first moment the window allows (FIFO, no idle gaps).
    const expected: number[] = [];
    arrivals.forEach((when, i) => {
      let start = t0 + when;
      if (i >= limit) start = Math.max(start, expected[i - limit]! + interval);
      if (i >= 1) start = Math.max(start, expected[i - 1]!);
      expected.push(start);
    });
    expect(starts).toEqual(expected);
  });

  it('never exceeds the window, maxConcurrent or minTime combined, over 10 000 random arrivals', async () => {
    const limit = 20;
    const interval = 1_000;
    const minTime = 15;
    const maxConcurrent = 3;
    const random = prng(42);
    const starts: number[] = [];
    let running = 0;
    let mostRunning = 0;
    class Api {
      @rateLimit({ limit, interval, minTime, maxConcurrent })
      async call(i: number, duration: number): Promise<number> {
        starts.push(Date.now());
        running++;
        mostRunning = Math.max(mostRunning, running);
        await sleepMs(duration);
        running--;
        return i;
      }
    }
    const api = bindHotpath(new Api(), registry);
    const results: Promise<number>[] = [];
    let at = 0;
    for (let i = 0; i < 10_000; i++) {
      at += random() < 0.1 ? Math.floor(random() * 2_000) : Math.floor(random() * 60);
      const duration = Math.floor(random() * 300);
      setTimeout(() => results.push(api.call(i, duration)), at);
    }
    await jest.runAllTimersAsync();
    const values = await Promise.all(results);
    expect(values).toHaveLength(10_000);
    expect(new Set(values).size).toBe(10_000);

    expect(busiestWindow(starts, interval)).toBeLessThanOrEqual(limit);
    expect(mostRunning).toBe(maxConcurrent);
    let closest = Infinity;
    for (let i = 1; i < starts.length; i++)
      closest = Math.min(closest, starts[i]! - starts[i - 1]!);
    expect(closest).toBe(minTime);
    expect(control(api, 'call').stats().rateLimit).toMatchObject({
      started: 10_000,
      running: 0,
      queued: 0,
      rejected: 0,
    });
  });

  it('lets a token bucket burst, then refills it exactly, never above burst', async () => {
    const starts: number[] = [];
    class Api {
      @rateLimit({ algorithm: 'token-bucket', limit: 2, interval: 1_000, burst: 5 })
      async call(): Promise<void> {
        starts.push(Date.now() - t0);
      }
    }
    const api = bindHotpath(new Api(), registry);
    const all = Array.from({ length: 9 }, () => api.call());
    await jest.runAllTimersAsync();
    await Promise.all(all);
    // 5 at once (the burst), then one token every 500 ms.
    expect(starts).toEqual([0, 0, 0, 0, 0, 500, 1_000, 1_500, 2_000]);

    // After a long quiet period the bucket is full again: burst, not more.
    await jest.advanceTimersByTimeAsync(60_000);
    starts.length = 0;
    const again = Array.from({ length: 7 }, () => api.call());
    await jest.runAllTimersAsync();
    await Promise.all(again);
    expect(starts).toEqual([62_000, 62_000, 62_000, 62_000, 62_000, 62_500, 63_000]);

    // A partly refilled bucket: 1 200 ms after the last start holds 2.4 tokens.
    await jest.advanceTimersByTimeAsync(1_200);
    starts.length = 0;
    const partial = Array.from({ length: 3 }, () => api.call());
    await jest.runAllTimersAsync();
    await Promise.all(partial);
    expect(starts).toEqual([64_200, 64_200, 64_500]);
  });

  it("rejects with RateLimitError and a correct retryAfter with onLimit: 'reject'", async () => {
    class Api {
      @rateLimit({ limit: 2, interval: 1_000, onLimit: 'reject' })
      async call(): Promise<string> {
        return 'ok';
      }
    }
    const api = bindHotpath(new Api(), registry);
    await api.call();
    await jest.advanceTimersByTimeAsync(300);
    await api.call();
    await jest.advanceTimersByTimeAsync(100);
    const error = await api.call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({
      code: 'E_RATE_LIMITED',
      retryAfter: 600,
      message: 'Api.call: rate limit reached (2 calls per 1000 ms); retry in 600 ms',
    });
    await jest.advanceTimersByTimeAsync(599);
    await expect(api.call()).rejects.toMatchObject({ retryAfter: 1 });
    await jest.advanceTimersByTimeAsync(1);
    await expect(api.call()).resolves.toBe('ok');
    expect(control(api, 'call').stats().rateLimit).toMatchObject({ started: 3, rejected: 2 });
  });

  it('gives retryAfter for minTime too, and 0 when only maxConcurrent blocks', async () => {
    class Api {
      @rateLimit({ minTime: 250, onLimit: 'reject' })
      async spaced(): Promise<void> {}

      @rateLimit({ maxConcurrent: 1, onLimit: 'reject' })
      async single(): Promise<void> {
        await sleepMs(100);
      }
    }
    const api = bindHotpath(new Api(), registry);
    await api.spaced();
    await jest.advanceTimersByTimeAsync(50);
    await expect(api.spaced()).rejects.toMatchObject({
      retryAfter: 200,
      message: 'Api.spaced: rate limit reached (250 ms apart); retry in 200 ms',
    });
    const first = api.single();
    await expect(api.single()).rejects.toMatchObject({
      retryAfter: 0,
      message: 'Api.single: rate limit reached (at most 1 in flight); retry in 0 ms',
    });
    await jest.advanceTimersByTimeAsync(100);
    await first;
    const next = api.single();
    await jest.advanceTimersByTimeAsync(100);
    await expect(next).resolves.toBeUndefined();
  });

  it('rejects calls beyond maxQueue, and runs the queued ones', async () => {
    const ran: number[] = [];
    class Api {
      @rateLimit({ limit: 1, interval: 1_000, maxQueue: 2 })
      async call(i: number): Promise<number> {
        ran.push(i);
        return i;
      }
    }
    const api = bindHotpath(new Api(), registry);
    const a = api.call(1);
    const b = api.call(2);
    const c = api.call(3);
    const d = api.call(4).catch((e: unknown) => e);
    expect(await d).toBeInstanceOf(RateLimitError);
    expect(await d).toMatchObject({
      code: 'E_RATE_LIMITED',
      retryAfter: 1_000,
      message: 'Api.call: rate limit queue is full (maxQueue 2); retry in 1000 ms',
    });
    await jest.runAllTimersAsync();
    expect(await Promise.all([a, b, c])).toEqual([1, 2, 3]);
    expect(ran).toEqual([1, 2, 3]);
    expect(control(api, 'call').stats().rateLimit).toEqual({
      started: 3,
      queued: 0,
      rejected: 1,
      waits: 2,
      waitedMs: 3_000,
      meanWaitMs: 1_500,
    });
  });

  it('keeps per-key budgets independent', async () => {
    const starts: string[] = [];
    class Api {
      @rateLimit({ limit: 1, interval: 1_000, key: (tenant: string) => tenant })
      async call(tenant: string): Promise<void> {
        starts.push(`${tenant}@${Date.now() - t0}`);
      }
    }
    const api = bindHotpath(new Api(), registry);
    const all = [api.call('a'), api.call('b'), api.call('a'), api.call('c'), api.call('b')];
    await jest.runAllTimersAsync();
    await Promise.all(all);
    expect(starts).toEqual(['a@0', 'b@0', 'c@0', 'a@1000', 'b@1000']);
  });

  it('releases idle key budgets: a key that comes back gets its full budget', async () => {
    const starts: number[] = [];
    class Api {
      @rateLimit({ limit: 2, interval: 1_000, key: (k: number) => k, onLimit: 'reject' })
      async call(k: number): Promise<number> {
        starts.push(k);
        return k;
      }
    }
    const api = bindHotpath(new Api(), registry);
    // Many keys (enough to trigger the sweep of idle budgets), each used up.
    for (let k = 0; k < 500; k++) {
      await api.call(k);
      await api.call(k);
      await expect(api.call(k)).rejects.toBeInstanceOf(RateLimitError);
      if (k % 100 === 99) await jest.advanceTimersByTimeAsync(1_000);
    }
    await jest.advanceTimersByTimeAsync(1_000);
    await expect(api.call(0)).resolves.toBe(0);
    await expect(api.call(0)).resolves.toBe(0);
    await expect(api.call(0)).rejects.toBeInstanceOf(RateLimitError);
    await expect(api.call(499)).resolves.toBe(499);
  });

  it('releases idle key budgets on their own, with one timer, keeping the keys still in use', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    class Api {
      @rateLimit({ limit: 1, interval: 500, maxConcurrent: 1, key: (k: number) => k })
      async call(k: number, wait?: Promise<void>): Promise<number> {
        await wait;
        return k;
      }
    }
    const api = bindHotpath(new Api(), registry);
    // A burst of 1 000 tenants, then silence; tenant 0 has a call in flight and one waiting.
    await Promise.all(Array.from({ length: 1_000 }, (_, k) => (k === 0 ? 0 : api.call(k))));
    const busy = [api.call(0, held), api.call(0)];
    expect(control(api, 'call').stats().rateLimit).toMatchObject({ keys: 1_000 });
    expect(jest.getTimerCount()).toBe(2); // the sweep, and tenant 0's queue
    await jest.advanceTimersByTimeAsync(2_000);
    expect(control(api, 'call').stats().rateLimit).toMatchObject({ keys: 1 });
    release();
    expect(await Promise.all(busy)).toEqual([0, 0]);
    await jest.advanceTimersByTimeAsync(3_000);
    expect(control(api, 'call').stats().rateLimit).toMatchObject({ keys: 0 });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keys budgets by structured keys, and rejects the call when key throws', async () => {
    class Api {
      @rateLimit({
        limit: 1,
        interval: 1_000,
        onLimit: 'reject',
        key: (target: { host: string; port: number }) => {
          if (target.port < 0) throw new Error('bad port');
          return { host: target.host, port: target.port };
        },
      })
      async call(_target: { host: string; port: number }): Promise<string> {
        return 'ok';
      }
    }
    const api = bindHotpath(new Api(), registry);
    await expect(api.call({ host: 'a', port: 1 })).resolves.toBe('ok');
    await expect(api.call({ port: 1, host: 'a' } as never)).rejects.toBeInstanceOf(RateLimitError);
    await expect(api.call({ host: 'a', port: 2 })).resolves.toBe('ok');
    await expect(api.call({ host: 'a', port: -1 })).rejects.toThrow('bad port');
  });

  it('shares per-key budgets of a named limiter between methods', async () => {
    const shared = createHotpath({ limiters: { tenant: { limit: 1, interval: 1_000 } } });
    class Api {
      @rateLimit({ limiter: 'tenant', key: (t: string) => t, onLimit: 'reject' })
      async read(_t: string): Promise<string> {
        return 'read';
      }

      @rateLimit({ limiter: 'tenant', key: (t: string) => t, onLimit: 'reject' })
      async write(_t: string): Promise<string> {
        return 'write';
      }
    }
    const api = bindHotpath(new Api(), shared);
    await expect(api.read('acme')).resolves.toBe('read');
    await expect(api.write('acme')).rejects.toBeInstanceOf(RateLimitError);
    await expect(api.write('globex')).resolves.toBe('write');
  });

  it('keys the budget of a static method by its class', async () => {
    class Base {
      @rateLimit({ limit: 1, interval: 1_000, onLimit: 'reject' })
      static async call(): Promise<string> {
        return 'ok';
      }
    }
    bindHotpath(Base, registry);
    await expect(Base.call()).resolves.toBe('ok');
    await expect(Base.call()).rejects.toMatchObject({
      message: 'Base.call: rate limit reached (1 call per 1000 ms); retry in 1000 ms',
    });
  });

  it('gives two instances independent budgets', async () => {
    class Api {
      @rateLimit({ limit: 1, interval: 1_000, onLimit: 'reject' })
      async call(): Promise<string> {
        return 'ok';
      }
    }
    const a = bindHotpath(new Api(), registry);
    const b = bindHotpath(new Api(), registry);
    await expect(a.call()).resolves.toBe('ok');
    await expect(b.call()).resolves.toBe('ok');
    await expect(a.call()).rejects.toBeInstanceOf(RateLimitError);
    await expect(b.call()).rejects.toBeInstanceOf(RateLimitError);
  });

  it('shares a named limiter between methods, instances and classes of one registry', async () => {
    const shared = createHotpath({ limiters: { github: { limit: 2, interval: 1_000 } } });
    const other = createHotpath({ limiters: { github: { limit: 2, interval: 1_000 } } });
    const starts: string[] = [];
    class Repos {
      @rateLimit({ limiter: 'github' })
      async list(): Promise<void> {
        starts.push(`list@${Date.now() - t0}`);
      }
    }
    class Issues {
      @rateLimit({ limiter: 'github', onLimit: 'reject' })
      async open(): Promise<void> {
        starts.push(`open@${Date.now() - t0}`);
      }
    }
    const r1 = bindHotpath(new Repos(), shared);
    const r2 = bindHotpath(new Repos(), shared);
    const issues = bindHotpath(new Issues(), shared);
    const elsewhere = bindHotpath(new Repos(), other);
    const calls = [r1.list(), r2.list(), r1.list()];
    await expect(issues.open()).rejects.toMatchObject({
      code: 'E_RATE_LIMITED',
      retryAfter: 1_000,
      message:
        "Issues.open: rate limit reached (2 calls per 1000 ms) (limiter 'github'); retry in 1000 ms",
    });
    await elsewhere.list(); // another registry: another budget
    await jest.runAllTimersAsync();
    await Promise.all(calls);
    expect(starts).toEqual(['list@0', 'list@0', 'list@0', 'list@1000']);
  });

  it('rejects the first call with E_CONFIG when the named limiter does not exist', async () => {
    const reg = createHotpath({ name: 'api', limiters: { github: { limit: 1 } } });
    class Api {
      @rateLimit({ limiter: 'gitlab' })
      async call(): Promise<void> {}

      @rateLimit({ limiter: 'gitlab' })
      async other(): Promise<void> {}
    }
    const api = bindHotpath(new Api(), reg);
    const error = await api.call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HotpathError);
    expect(error).toMatchObject({
      code: 'E_CONFIG',
      message:
        "@rateLimit on Api.call: limiter 'gitlab' is not in registry 'api' (known limiters: 'github'); add it with createHotpath({ limiters: { gitlab: ... } })",
    });
    // Each method naming it is told in its own name.
    await expect(api.other()).rejects.toMatchObject({
      code: 'E_CONFIG',
      message:
        "@rateLimit on Api.other: limiter 'gitlab' is not in registry 'api' (known limiters: 'github'); add it with createHotpath({ limiters: { gitlab: ... } })",
    });
  });

  it('rejects with E_CONFIG when a named limiter has bad options', async () => {
    const reg = createHotpath({ name: 'api', limiters: { github: { limit: -1 } } });
    class Api {
      @rateLimit({ limiter: 'github' })
      async call(): Promise<void> {}
    }
    await expect(bindHotpath(new Api(), reg).call()).rejects.toMatchObject({
      code: 'E_CONFIG',
      message:
        "@rateLimit on limiter 'github' of registry 'api': `limit` must be a positive integer, got -1",
    });
  });

  it('serves higher priorities first, FIFO within a priority', async () => {
    const ran: string[] = [];
    class Api {
      @rateLimit({ limit: 1, interval: 100, priority: (_name: string, p: number) => p })
      async call(name: string, _p: number): Promise<void> {
        ran.push(name);
      }
    }
    const api = bindHotpath(new Api(), registry);
    const all = [
      api.call('first', 9),
      api.call('low-1', 9),
      api.call('normal', 5),
      api.call('urgent', 0),
      api.call('low-2', 9),
      api.call('normal-2', 5),
    ];
    await jest.runAllTimersAsync();
    await Promise.all(all);
    expect(ran).toEqual(['first', 'urgent', 'normal', 'normal-2', 'low-1', 'low-2']);
  });

  it('publishes queued, started and rejected events', async () => {
    const events: HotpathEvent[] = [];
    const listener = (message: unknown): void => {
      const e = message as HotpathEvent;
      if (e.decorator === 'rateLimit') events.push(e);
    };
    subscribe('hotpath:event', listener);
    try {
      class Api {
        @rateLimit({ limit: 1, interval: 1_000, maxQueue: 1 })
        async call(): Promise<void> {}
      }
      const api = bindHotpath(new Api(), registry);
      const a = api.call();
      const b = api.call();
      await expect(api.call()).rejects.toBeInstanceOf(RateLimitError);
      await jest.runAllTimersAsync();
      await Promise.all([a, b]);
    } finally {
      unsubscribe('hotpath:event', listener);
    }
    expect(events.map((e) => e.event)).toEqual(['started', 'queued', 'rejected', 'started']);
    expect(events[1]).toEqual({
      decorator: 'rateLimit',
      event: 'queued',
      method: 'Api.call',
      queued: 1,
      priority: 5,
    });
    expect(events[2]).toEqual({
      decorator: 'rateLimit',
      event: 'rejected',
      method: 'Api.call',
      reason: 'queue-full',
      retryAfter: 1_000,
    });
  });

  it('shows running, queued, rejected and waited time in registry.stats()', async () => {
    class Api {
      @rateLimit({ limit: 10, interval: 1_000, maxConcurrent: 1 })
      async call(): Promise<void> {
        await sleepMs(200);
      }
    }
    const api = bindHotpath(new Api(), registry);
    const all = [api.call(), api.call(), api.call()];
    expect(registry.stats().methods['Api.call']?.rateLimit).toEqual({
      started: 1,
      running: 1,
      queued: 2,
      rejected: 0,
      waits: 0,
      waitedMs: 0,
      meanWaitMs: 0,
    });
    await jest.runAllTimersAsync();
    await Promise.all(all);
    expect(registry.stats().methods['Api.call']?.rateLimit).toEqual({
      started: 3,
      running: 0,
      queued: 0,
      rejected: 0,
      waits: 2,
      waitedMs: 600,
      meanWaitMs: 300,
    });
  });

  it('on shutdown rejects queued calls with E_SHUTDOWN and waits for calls in flight', async () => {
    const done: string[] = [];
    class Api {
      @rateLimit({ limit: 1, interval: 1_000, maxConcurrent: 1 })
      async call(name: string): Promise<string> {
        await sleepMs(500);
        done.push(name);
        return name;
      }
    }
    const api = bindHotpath(new Api(), registry);
    const first = api.call('first');
    const queued = api.call('queued').catch((e: unknown) => e);
    let finished = false;
    const shutdown = registry.shutdown().then(() => (finished = true));
    expect(await queued).toMatchObject({
      code: 'E_SHUTDOWN',
      message:
        "Api.call: the hotpath registry 'rate-limit-test' is shutting down; the call was waiting for its rate limit and was not started",
    });
    await jest.advanceTimersByTimeAsync(499);
    expect(finished).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await shutdown;
    expect(await first).toBe('first');
    expect(done).toEqual(['first']);
    await expect(api.call('late')).rejects.toMatchObject({ code: 'E_SHUTDOWN' });
  });

  it('refuses waiting calls when shutdown starts, not after a long batch flush; the flush own calls still wait their turn', async () => {
    const started: string[] = [];
    class Api {
      @rateLimit({ limit: 1, interval: 100 })
      async call(name: string): Promise<string> {
        started.push(name);
        return name;
      }
    }
    const api = bindHotpath(new Api(), registry);
    class Writer {
      // A write-behind batch whose flush at shutdown takes a second and calls the limited API.
      @batched({ maxWait: '1h' })
      async write(items: string[]): Promise<void> {
        await sleepMs(1_000);
        await Promise.all(items.map((item) => api.call(item)));
      }
    }
    const writer = bindHotpath(new Writer(), registry);
    const written = writer.write(['flush-a', 'flush-b']);
    const waiting = ['w1', 'w2', 'w3', 'w4'].map((name) =>
      api.call(name).catch((e: unknown) => e as HotpathError),
    );
    const shutdown = registry.shutdown();
    await jest.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['w1']);
    const refused = await Promise.all(waiting.slice(1));
    expect(refused.map((e) => (e as HotpathError).message)).toEqual(
      ['w2', 'w3', 'w4'].map(
        () =>
          "Api.call: the hotpath registry 'rate-limit-test' is shutting down; the call was waiting for its rate limit and was not started",
      ),
    );
    await jest.advanceTimersByTimeAsync(1_100);
    await Promise.all([written, shutdown]);
    expect(started).toEqual(['w1', 'flush-a', 'flush-b']);
  });

  it('passes the method rejection through and frees the concurrency slot', async () => {
    class Api {
      @rateLimit({ maxConcurrent: 1 })
      async call(fail: boolean): Promise<string> {
        if (fail) throw new Error('boom');
        return 'ok';
      }
    }
    const api = bindHotpath(new Api(), registry);
    const a = api.call(true);
    const b = api.call(false);
    await expect(a).rejects.toThrow('boom');
    await expect(b).resolves.toBe('ok');
  });

  it('counts time on the monotonic clock: a wall clock stepped back an hour stalls nothing', async () => {
    const starts: number[] = [];
    class Api {
      @rateLimit({ limit: 2, interval: 1_000 })
      async call(i: number): Promise<number> {
        starts.push(performance.now());
        return i;
      }
    }
    const api = bindHotpath(new Api(), registry);
    const first = performance.now();
    const calls = [api.call(1), api.call(2), api.call(3)];
    jest.setSystemTime(Date.now() - 3_600_000); // an NTP correction
    await jest.advanceTimersByTimeAsync(1_000);
    expect(await Promise.all(calls)).toEqual([1, 2, 3]);
    expect(starts.map((s) => s - first)).toEqual([0, 0, 1_000]);
  });

  it('counts a start once the method ran: a delay before the method measures shortens no window', async () => {
    // A clock the test moves by hand; the first call is delayed 5 ms between admission and its
    // own reading (code compiled on first use, a descheduled process).
    const hand = new HandClock();
    const seen: number[] = [];
    class Api {
      @rateLimit({ limit: 1, interval: 100, minTime: 50 })
      async call(delay: number): Promise<void> {
        hand.now += delay;
        seen.push(hand.now);
      }
    }
    const api = bindHotpath(new Api(), createHotpath({ clock: hand.clock }));
    const calls = [api.call(5), api.call(0)];
    hand.runTimers();
    await Promise.all(calls);
    expect(seen).toEqual([5, 105]);
  });

  it('counts a start admitted without a clock reading: a call the method makes of itself waits out the window', async () => {
    // No `minTime`: a window with room admits without reading the clock; the start still
    // counts before the method's own call of itself is judged, and from its end (5, not 0).
    const hand = new HandClock();
    const seen: number[] = [];
    let nested: Promise<void> | undefined;
    class Api {
      @rateLimit({ limit: 1, interval: 100 })
      async call(delay: number): Promise<void> {
        hand.now += delay;
        seen.push(hand.now);
        nested ??= api.call(0);
      }
    }
    const api = bindHotpath(new Api(), createHotpath({ clock: hand.clock }));
    const first = api.call(5);
    expect(seen).toEqual([5]);
    hand.runTimers();
    await Promise.all([first, nested]);
    expect(seen).toEqual([5, 105]);
  });

  it('keeps a monthly quota: the call past 1 000 in 30 days waits 30 days, on one timer', async () => {
    const DAY = 86_400_000;
    const starts: number[] = [];
    class Api {
      @rateLimit({ limit: 1000, interval: '30d' })
      async call(i: number): Promise<number> {
        starts.push(Date.now() - t0);
        return i;
      }

      @rateLimit({ limit: 1, interval: '30d', key: (tenant: string) => tenant })
      async perTenant(tenant: string): Promise<string> {
        return tenant;
      }
    }
    const api = bindHotpath(new Api(), registry);
    const calls = Array.from({ length: 1001 }, (_, i) => api.call(i));
    await jest.advanceTimersByTimeAsync(0);
    expect(starts).toHaveLength(1000);
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(30 * DAY - 1);
    expect(starts).toHaveLength(1000);
    await jest.advanceTimersByTimeAsync(1);
    await Promise.all(calls);
    expect(starts.at(-1)).toBe(30 * DAY);
    // A tenant's monthly budget is kept while its month runs (the sweep runs every 30 days).
    await expect(api.perTenant('acme')).resolves.toBe('acme');
    await jest.advanceTimersByTimeAsync(29 * DAY);
    let second = 'waiting';
    const again = api.perTenant('acme').then((tenant) => (second = tenant));
    await jest.advanceTimersByTimeAsync(DAY - 1);
    expect(second).toBe('waiting');
    expect(control(api, 'perTenant').stats().rateLimit).toMatchObject({ keys: 1 });
    await jest.advanceTimersByTimeAsync(1);
    await again;
    expect(second).toBe('acme');
    await jest.advanceTimersByTimeAsync(90 * DAY);
    expect(control(api, 'perTenant').stats().rateLimit).toMatchObject({ keys: 0 });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('works as a function wrapper, with its own budget', async () => {
    const fetchPage = rateLimit({ limit: 1, interval: 500, onLimit: 'reject' })(
      async function fetchPage(n: number): Promise<number> {
        return n;
      },
    );
    bindHotpath(fetchPage, registry);
    await expect(fetchPage(1)).resolves.toBe(1);
    await expect(fetchPage(2)).rejects.toMatchObject({
      message: 'fetchPage: rate limit reached (1 call per 500 ms); retry in 500 ms',
    });
    expect(control(fetchPage).stats().rateLimit).toMatchObject({ started: 1, rejected: 1 });
  });
});

describe('@rateLimit options', () => {
  const where = LEGACY ? 'Api.call' : 'call';
  const define = (options: unknown): unknown => {
    class Api {
      @rateLimit(options as never)
      async call(): Promise<void> {}
    }
    return Api;
  };

  it.each([
    [
      {},
      `@rateLimit on ${where}: needs \`limit\`, \`maxConcurrent\` or \`minTime\` (or a named \`limiter\`)`,
    ],
    [{ limit: 0 }, `@rateLimit on ${where}: \`limit\` must be a positive integer, got 0`],
    [
      { limit: 5, interval: '1 week' },
      `@rateLimit on ${where}: \`interval\` must be a positive duration (milliseconds or a string like '5m'), got '1 week'`,
    ],
    [
      { limit: 5, onLimit: 'drop' },
      `@rateLimit on ${where}: \`onLimit\` must be one of 'queue', 'reject', got 'drop'`,
    ],
    [
      { limit: 5, priority: 10 },
      `@rateLimit on ${where}: \`priority\` must be an integer from 0 to 9, got 10`,
    ],
    [
      { limit: 5, burst: 10 },
      `@rateLimit on ${where}: \`burst\` applies to \`algorithm: 'token-bucket'\` only`,
    ],
    [
      { interval: '1s' },
      `@rateLimit on ${where}: \`interval\` needs \`limit\` (calls per interval)`,
    ],
    [
      { limit: 5, limt: 3 },
      `@rateLimit on ${where}: unknown option \`limt\` (did you mean \`limit\`?)`,
    ],
    [
      { limiter: 'github', limit: 5 },
      `@rateLimit on ${where}: \`limiter: 'github'\` takes its limit from the registry; remove \`limit\` (or drop \`limiter\`)`,
    ],
    [
      { limit: 5, engine: 'bottleneck', key: () => 1 },
      `@rateLimit on ${where}: \`key\` is not available with \`engine: 'bottleneck'\` (use one named limiter per key)`,
    ],
    // Node timers fire after 1 ms past 24.8 days: Bottleneck would start a 30-day wait at once.
    [
      { limit: 1, interval: '30d', engine: 'bottleneck' },
      `@rateLimit on ${where}: \`engine: 'bottleneck'\` spaces starts 2851200002 ms apart here (\`interval\` / \`limit\`, or \`minTime\`, plus 10 % + 2 ms), longer than Bottleneck's timers can wait (2147483647 ms (24.8 days)): use the local engine, which waits any duration, or a larger \`limit\``,
    ],
    [
      { minTime: '25d', engine: 'bottleneck' },
      `@rateLimit on ${where}: \`engine: 'bottleneck'\` spaces starts 2376000002 ms apart here (\`interval\` / \`limit\`, or \`minTime\`, plus 10 % + 2 ms), longer than Bottleneck's timers can wait (2147483647 ms (24.8 days)): use the local engine, which waits any duration, or a larger \`limit\``,
    ],
    [
      { limit: 5, engine: 'bottleneck', bottleneck: { heartbeatInterval: 30 * 86_400_000 } },
      `@rateLimit on ${where}: \`bottleneck.heartbeatInterval\` must be at most 2147483647 ms (24.8 days) (Bottleneck waits it with a Node timer), got 2592000000`,
    ],
    [
      { limit: 5, engine: 'bottleneck', redisTimeout: '30d' },
      `@rateLimit on ${where}: \`redisTimeout\` must be a positive duration (milliseconds or a string like '5m') of at most 2147483647 ms (24.8 days), got '30d'`,
    ],
  ])('rejects %p when the class is defined', (options, message) => {
    expect(() => define(options)).toThrow(new TypeError(message));
  });
});
