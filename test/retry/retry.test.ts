import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  HotpathError,
  bindHotpath,
  control,
  createHotpath,
  retry,
  timeout,
  type Clock,
  type RetryOptions,
} from '../../src/index.js';
import { type HotpathEvent } from '../../src/extend.js';
import { LEGACY } from '../helpers/mode.js';

/** A fake upstream that fails `failures` times, then answers; records when each try started. */
class Upstream {
  tries: number[] = [];
  constructor(
    public failures: number,
    readonly name = 'up',
  ) {}
  attempt(): Promise<string> {
    this.tries.push(Date.now());
    if (this.tries.length <= this.failures) {
      return Promise.reject(new Error(`${this.name} failure ${this.tries.length}`));
    }
    return Promise.resolve(`${this.name} ok after ${this.tries.length}`);
  }
}

/** Runs `promise` to completion under fake timers, returning what it settled with. */
async function outcomeAfterTimers<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const out: { value?: T; error?: unknown } = {};
  const done = promise.then(
    (value) => void (out.value = value),
    (error: unknown) => void (out.error = error),
  );
  await jest.runAllTimersAsync();
  await done;
  return out;
}

function service(
  options: RetryOptions,
  failures: number,
): { svc: { call(): Promise<string> }; up: Upstream } {
  const up = new Upstream(failures);
  class Svc {
    @retry(options)
    call(): Promise<string> {
      return up.attempt();
    }
  }
  return { svc: new Svc(), up };
}

describe('@retry', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('counts attempts as total tries and rethrows the last error as is', async () => {
    const { svc, up } = service({ attempts: 3, jitter: false }, Infinity);
    const { error } = await outcomeAfterTimers(svc.call());
    expect(up.tries).toHaveLength(3);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('up failure 3');
    expect(error).not.toBeInstanceOf(HotpathError);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('resolves with the first success', async () => {
    const { svc, up } = service({ attempts: 5, jitter: false }, 2);
    const { value } = await outcomeAfterTimers(svc.call());
    expect(value).toBe('up ok after 3');
    expect(up.tries).toHaveLength(3);
  });

  it('does not retry a call that succeeds at once, and returns its value', async () => {
    const { svc, up } = service({}, 0);
    await expect(svc.call()).resolves.toBe('up ok after 1');
    expect(up.tries).toEqual([0]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('waits exactly delay * 2^(n-1) before retry n with exponential backoff and no jitter', async () => {
    const { svc, up } = service({ attempts: 5, delay: 100, jitter: false }, Infinity);
    const result = svc.call().catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(99);
    expect(up.tries).toEqual([0]);
    await jest.advanceTimersByTimeAsync(1);
    expect(up.tries).toEqual([0, 100]);
    await jest.advanceTimersByTimeAsync(199);
    expect(up.tries).toEqual([0, 100]);
    await jest.advanceTimersByTimeAsync(1);
    expect(up.tries).toEqual([0, 100, 300]);
    await jest.advanceTimersByTimeAsync(1200);
    expect(up.tries).toEqual([0, 100, 300, 700, 1500]);
    expect(((await result) as Error).message).toBe('up failure 5');
  });

  it('grows the wait linearly with linear backoff, and keeps it with fixed backoff', async () => {
    const linear = service(
      { attempts: 4, delay: '50ms', backoff: 'linear', jitter: false },
      Infinity,
    );
    await outcomeAfterTimers(linear.svc.call());
    expect(linear.up.tries).toEqual([0, 50, 150, 300]);
    const start = Date.now();
    const fixed = service({ attempts: 4, delay: 50, backoff: 'fixed', jitter: false }, Infinity);
    await outcomeAfterTimers(fixed.svc.call());
    expect(fixed.up.tries.map((t) => t - start)).toEqual([0, 50, 100, 150]);
  });

  it('caps every wait at maxDelay', async () => {
    const { svc, up } = service(
      { attempts: 6, delay: '1s', maxDelay: '3s', jitter: false },
      Infinity,
    );
    await outcomeAfterTimers(svc.call());
    const gaps = up.tries.slice(1).map((t, i) => t - up.tries[i]!);
    expect(gaps).toEqual([1000, 2000, 3000, 3000, 3000]);
  });

  it('uses full jitter by default: a uniform wait in [0, backoff]', async () => {
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.25);
    const delays: number[] = [];
    const { svc, up } = service(
      { attempts: 4, delay: 400, onRetry: (e) => void delays.push(e.delayMs) },
      Infinity,
    );
    await outcomeAfterTimers(svc.call());
    expect(delays).toEqual([100, 200, 400]);
    expect(up.tries).toEqual([0, 100, 300, 700]);
    expect(random).toHaveBeenCalledTimes(3);
  });

  it("uses equal jitter with jitter: 'equal': a uniform wait in [backoff / 2, backoff]", async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const delays: number[] = [];
    const { svc } = service(
      { attempts: 3, delay: 400, jitter: 'equal', onRetry: (e) => void delays.push(e.delayMs) },
      Infinity,
    );
    await outcomeAfterTimers(svc.call());
    expect(delays).toEqual([300, 600]);
  });

  it('uses the documented defaults: 3 tries, 100 ms exponential, full jitter', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(1);
    const { svc, up } = service({}, Infinity);
    await outcomeAfterTimers(svc.call());
    expect(up.tries).toEqual([0, 100, 300]);
  });

  it('asks retryIf(error, attempt) before each retry and stops when it says no', async () => {
    const seen: [string, number][] = [];
    const { svc, up } = service(
      {
        attempts: 10,
        jitter: false,
        retryIf: (error, attempt) => {
          seen.push([(error as Error).message, attempt]);
          return attempt < 3;
        },
      },
      Infinity,
    );
    const { error } = await outcomeAfterTimers(svc.call());
    expect(seen).toEqual([
      ['up failure 1', 1],
      ['up failure 2', 2],
      ['up failure 3', 3],
    ]);
    expect(up.tries).toHaveLength(3);
    expect((error as Error).message).toBe('up failure 3');
  });

  it('awaits an async retryIf', async () => {
    const { svc, up } = service(
      { attempts: 5, jitter: false, retryIf: async () => false },
      Infinity,
    );
    await outcomeAfterTimers(svc.call());
    expect(up.tries).toHaveLength(1);
  });

  it('rejects with what retryIf throws', async () => {
    const bug = new Error('bug in retryIf');
    const { svc } = service(
      {
        retryIf: () => {
          throw bug;
        },
      },
      Infinity,
    );
    expect((await outcomeAfterTimers(svc.call())).error).toBe(bug);
  });

  it('tells onRetry the error, the failed attempt and the wait, before waiting', async () => {
    const events: unknown[] = [];
    const { svc, up } = service(
      {
        attempts: 3,
        delay: 10,
        jitter: false,
        onRetry: ({ error, attempt, delayMs }) => {
          events.push({
            message: (error as Error).message,
            attempt,
            delayMs,
            triesSoFar: up.tries.length,
          });
        },
      },
      Infinity,
    );
    await outcomeAfterTimers(svc.call());
    expect(events).toEqual([
      { message: 'up failure 1', attempt: 1, delayMs: 10, triesSoFar: 1 },
      { message: 'up failure 2', attempt: 2, delayMs: 20, triesSoFar: 2 },
    ]);
  });

  it('never retries E_SHUTDOWN or E_CANCELLED', async () => {
    for (const code of ['E_SHUTDOWN', 'E_CANCELLED'] as const) {
      let tries = 0;
      class Svc {
        @retry({ attempts: 5 })
        async call(): Promise<never> {
          tries++;
          throw new HotpathError(code, `${code} happened`);
        }
      }
      const { error } = await outcomeAfterTimers(new Svc().call());
      expect(error).toEqual(expect.objectContaining({ code }));
      expect(tries).toBe(1);
    }
  });

  it('retries a method that throws synchronously instead of returning a rejected promise', async () => {
    let tries = 0;
    class Svc {
      @retry({ attempts: 3, jitter: false })
      call(): Promise<number> {
        tries++;
        if (tries < 3) throw new Error('sync');
        return Promise.resolve(tries);
      }
    }
    const promise = new Svc().call();
    expect(promise).toBeInstanceOf(Promise);
    expect((await outcomeAfterTimers(promise)).value).toBe(3);
  });

  it('keeps calls of two instances apart: each retries its own method on its own this', async () => {
    class Client {
      tries = 0;
      constructor(
        readonly name: string,
        readonly failures: number,
      ) {}
      @retry({ attempts: 4, delay: 10, jitter: false })
      async get(): Promise<string> {
        this.tries++;
        if (this.tries <= this.failures) throw new Error(`${this.name} down`);
        return `${this.name}#${this.tries}`;
      }
    }
    const a = new Client('a', 2);
    const b = new Client('b', 0);
    const [ra, rb] = await Promise.all([outcomeAfterTimers(a.get()), outcomeAfterTimers(b.get())]);
    expect(ra.value).toBe('a#3');
    expect(rb.value).toBe('b#1');
    expect([a.tries, b.tries]).toEqual([3, 1]);
  });

  it('passes the same arguments to every try', async () => {
    const seen: unknown[][] = [];
    class Svc {
      @retry({ attempts: 3, jitter: false })
      async put(key: string, value: number): Promise<void> {
        seen.push([key, value]);
        throw new Error('no');
      }
    }
    await outcomeAfterTimers(new Svc().put('k', 1));
    expect(seen).toEqual([
      ['k', 1],
      ['k', 1],
      ['k', 1],
    ]);
  });

  it('works as a function wrapper', async () => {
    let tries = 0;
    const fetchJson = retry({ attempts: 2, jitter: false })(async (url: string) => {
      tries++;
      if (tries === 1) throw new Error('ECONNRESET');
      return { url };
    });
    expect((await outcomeAfterTimers(fetchJson('/a'))).value).toEqual({ url: '/a' });
    expect(tries).toBe(2);
  });

  it("waits on the registry's clock", async () => {
    const timers: { fn: () => void; ms: number }[] = [];
    const clock: Clock = {
      now: () => 0,
      setTimeout: (fn, ms) => timers.push({ fn, ms }),
      clearTimeout: () => {},
    };
    const registry = createHotpath({ name: 'retry-clock', clock });
    const up = new Upstream(1);
    class Svc {
      @retry({ attempts: 2, delay: 250, jitter: false })
      call(): Promise<string> {
        return up.attempt();
      }
    }
    const result = bindHotpath(new Svc(), registry).call();
    await jest.advanceTimersByTimeAsync(0);
    expect(timers.map((t) => t.ms)).toEqual([250]);
    expect(jest.getTimerCount()).toBe(0);
    expect(up.tries).toHaveLength(1);
    timers[0]!.fn();
    await expect(result).resolves.toBe('up ok after 2');
  });

  it('wakes a pending retry wait on shutdown and rejects with the last error', async () => {
    const registry = createHotpath({ name: 'retry-shutdown' });
    const up = new Upstream(Infinity);
    class Svc {
      @retry({ attempts: 5, delay: '1h', jitter: false })
      call(): Promise<string> {
        return up.attempt();
      }
    }
    const svc = bindHotpath(new Svc(), registry);
    const result = svc.call().catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(0);
    expect(jest.getTimerCount()).toBe(1);
    await registry.shutdown();
    expect(((await result) as Error).message).toBe('up failure 1');
    expect(up.tries).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
    expect(registry.stats().methods['Svc.call']).toEqual({
      retry: { calls: 1, retries: 1, recovered: 0, gaveUp: 0, notRetried: 1 },
    });
  });

  it('starts no wait when shutdown began while onRetry ran', async () => {
    const registry = createHotpath({ name: 'retry-shutdown-onretry' });
    const up = new Upstream(Infinity);
    let shuttingDown: Promise<unknown> | undefined;
    class Svc {
      @retry({
        attempts: 5,
        delay: '1h',
        onRetry: async () => {
          shuttingDown = registry.shutdown();
        },
      })
      call(): Promise<string> {
        return up.attempt();
      }
    }
    const result = bindHotpath(new Svc(), registry)
      .call()
      .catch((e: unknown) => e);
    expect(((await result) as Error).message).toBe('up failure 1');
    await shuttingDown;
    expect(jest.getTimerCount()).toBe(0);
    expect(up.tries).toHaveLength(1);
  });

  it('reports figures to its registry and publishes events', async () => {
    const registry = createHotpath({ name: 'retry-figures' });
    class Feed {
      tries = 0;
      @retry({
        attempts: 3,
        delay: 5,
        jitter: false,
        retryIf: (e) => (e as Error).message !== 'fatal',
      })
      async pull(mode: 'recover' | 'fail' | 'fatal' | 'ok'): Promise<string> {
        this.tries++;
        if (mode === 'ok' || (mode === 'recover' && this.tries > 1)) return 'data';
        throw new Error(mode);
      }
    }
    const events: HotpathEvent[] = [];
    const listener = (e: unknown): void => {
      if ((e as HotpathEvent).decorator === 'retry') events.push(e as HotpathEvent);
    };
    subscribe('hotpath:event', listener);
    try {
      await outcomeAfterTimers(bindHotpath(new Feed(), registry).pull('ok'));
      await outcomeAfterTimers(bindHotpath(new Feed(), registry).pull('recover'));
      await outcomeAfterTimers(bindHotpath(new Feed(), registry).pull('fail'));
      await outcomeAfterTimers(bindHotpath(new Feed(), registry).pull('fatal'));
    } finally {
      unsubscribe('hotpath:event', listener);
    }
    const figures = { calls: 4, retries: 3, recovered: 1, gaveUp: 1, notRetried: 1 };
    expect(registry.stats().methods['Feed.pull']).toEqual({ retry: figures });
    expect(control(bindHotpath(new Feed(), registry), 'pull').stats()).toEqual({ retry: figures });
    expect(
      events.map((e) => [
        e.event,
        e.attempt ?? e.attempts,
        (e.error as Error | undefined)?.message,
      ]),
    ).toEqual([
      ['retry', 1, 'recover'],
      ['recovered', 2, undefined],
      ['retry', 1, 'fail'],
      ['retry', 2, 'fail'],
      ['gave-up', 3, 'fail'],
      ['not-retried', 1, 'fatal'],
    ]);
    expect(events.every((e) => e.method === 'Feed.pull')).toBe(true);
  });

  describe('stacked with @timeout', () => {
    it('bounds each try when @timeout is the inner decorator, and retries the TimeoutError', async () => {
      const started: number[] = [];
      class Slow {
        @retry({ attempts: 3, delay: 100, jitter: false })
        @timeout(1000)
        async call(): Promise<string> {
          started.push(Date.now());
          if (started.length < 3) return new Promise<string>(() => {}); // hangs
          return 'fast enough';
        }
      }
      const result = outcomeAfterTimers(new Slow().call());
      const { value } = await result;
      expect(value).toBe('fast enough');
      // try 1 at 0 times out at 1000, waits 100; try 2 at 1100 times out at 2100, waits 200.
      expect(started).toEqual([0, 1100, 2300]);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('gives up with the last TimeoutError when every try times out', async () => {
      class Slow {
        @retry({ attempts: 2, delay: 10, jitter: false })
        @timeout({ ms: 50 })
        call(): Promise<string> {
          return new Promise<string>(() => {});
        }
      }
      const { error } = await outcomeAfterTimers(new Slow().call());
      expect(error).toEqual(
        expect.objectContaining({
          code: 'E_TIMEOUT',
          message: 'Slow.call timed out after 50 ms',
          ms: 50,
        }),
      );
    });

    it('bounds all tries together when @timeout is the outer decorator', async () => {
      let tries = 0;
      class Flaky {
        @timeout(250)
        @retry({ attempts: 10, delay: 100, jitter: false })
        async call(): Promise<string> {
          tries++;
          throw new Error('down');
        }
      }
      const { error } = await outcomeAfterTimers(new Flaky().call());
      expect(error).toEqual(
        expect.objectContaining({
          code: 'E_TIMEOUT',
          message: 'Flaky.call timed out after 250 ms',
        }),
      );
      // tries at 0, 100, 300 (after the timeout the loop goes on, ignored, until it gives up)
      expect(tries).toBe(10);
    });
  });

  describe('options', () => {
    const where = LEGACY ? 'Svc.call' : 'call';
    const define = (options: unknown) => () => {
      class Svc {
        @retry(options as RetryOptions)
        async call(): Promise<void> {}
      }
      return Svc;
    };
    it.each([
      [{ attempts: 0 }, '`attempts` must be a positive integer, got 0'],
      [{ attempts: 1.5 }, '`attempts` must be a positive integer, got 1.5'],
      [{ delay: -1 }, "`delay` must be a duration (milliseconds or a string like '5m'), got -1"],
      [
        { delay: '5 minutes' },
        "`delay` must be a duration (milliseconds or a string like '5m'), got '5 minutes'",
      ],
      [
        { backoff: 'quadratic' },
        "`backoff` must be one of 'exponential', 'linear', 'fixed', got 'quadratic'",
      ],
      [
        { maxDelay: 'soon' },
        "`maxDelay` must be a duration (milliseconds or a string like '5m'), got 'soon'",
      ],
      [
        { delay: '2s', maxDelay: '1s' },
        '`maxDelay` (1000 ms) must not be less than `delay` (2000 ms)',
      ],
      [{ jitter: 0.5 }, "`jitter` must be a boolean, 'full' or 'equal', got 0.5"],
      [{ retryIf: true }, '`retryIf` must be a function, got true'],
      [{ onRetry: 'log' }, "`onRetry` must be a function, got 'log'"],
      [{ attemps: 3 }, 'unknown option `attemps` (did you mean `attempts`?)'],
      [5, 'options must be an object, got 5'],
    ])('refuses %p at decoration time', (options, problem) => {
      expect(define(options)).toThrow(new TypeError(`@retry on ${where}: ${problem}`));
    });

    it('accepts Infinity attempts and zero delay', async () => {
      let tries = 0;
      class Svc {
        @retry({ attempts: Infinity, delay: 0, retryIf: (_e, attempt) => attempt < 7 })
        async call(): Promise<void> {
          tries++;
          throw new Error('x');
        }
      }
      await outcomeAfterTimers(new Svc().call());
      expect(tries).toBe(7);
    });
  });
});
