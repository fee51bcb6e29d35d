import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  HotpathError,
  TimeoutError,
  bindHotpath,
  control,
  createHotpath,
  timeout,
  type Clock,
  type TimeoutOptions,
} from '../../src/index.js';
import { type HotpathEvent } from '../../src/extend.js';
import { LEGACY } from '../helpers/mode.js';

/** A promise with its settle functions exposed. */
function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('@timeout', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('rejects with TimeoutError (E_TIMEOUT) naming the method and the limit', async () => {
    class UserService {
      @timeout(500)
      getUser(): Promise<string> {
        return new Promise<string>(() => {});
      }
    }
    const result = new UserService().getUser().catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(499);
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    const error = (await result) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(HotpathError);
    expect(error.code).toBe('E_TIMEOUT');
    expect(error.message).toBe('UserService.getUser timed out after 500 ms');
    expect(error.ms).toBe(500);
    expect(error.method).toBe('UserService.getUser');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('resolves with the value and clears its timer when the method settles in time', async () => {
    const d = deferred<number>();
    class Svc {
      @timeout('1s')
      load(): Promise<number> {
        return d.promise;
      }
    }
    const result = new Svc().load();
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(999);
    d.resolve(42);
    await expect(result).resolves.toBe(42);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('passes the rejection through and clears its timer when the method fails in time', async () => {
    const failure = new Error('ECONNREFUSED');
    class Svc {
      @timeout({ ms: 1000 })
      async load(): Promise<number> {
        throw failure;
      }
    }
    await expect(new Svc().load()).rejects.toBe(failure);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('turns a synchronous throw of a promise-typed method into a rejection', async () => {
    class Svc {
      @timeout(100)
      load(): Promise<number> {
        throw new Error('sync');
      }
    }
    const result = new Svc().load();
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toThrow('sync');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('drops a late result and handles a late rejection after it timed out', async () => {
    const late = deferred<string>();
    const lateOk = deferred<string>();
    const calls = [late, lateOk];
    class Svc {
      @timeout(10)
      load(): Promise<string> {
        return calls.shift()!.promise;
      }
    }
    const svc = new Svc();
    const a = svc.load().catch((e: unknown) => e);
    const b = svc.load().catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(10);
    expect(await a).toEqual(expect.objectContaining({ code: 'E_TIMEOUT' }));
    expect(await b).toEqual(expect.objectContaining({ code: 'E_TIMEOUT' }));
    // Rejecting the abandoned promise must not surface as an unhandled rejection (the
    // setup fails the test if it does).
    late.reject(new Error('late failure'));
    lateOk.resolve('late value');
    await jest.advanceTimersByTimeAsync(0);
  });

  it('keeps calls of two instances apart: each has its own timer and outcome', async () => {
    class Client {
      constructor(readonly delay: number) {}
      @timeout(100)
      fetch(): Promise<string> {
        return new Promise((resolve) =>
          setTimeout(() => resolve(`after ${this.delay}`), this.delay),
        );
      }
    }
    const fast = new Client(50);
    const slow = new Client(500);
    const a = fast.fetch().catch((e: unknown) => e);
    const b = slow.fetch().catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(100);
    expect(await a).toBe('after 50');
    expect(await b).toEqual(
      expect.objectContaining({
        code: 'E_TIMEOUT',
        message: 'Client.fetch timed out after 100 ms',
      }),
    );
    await jest.advanceTimersByTimeAsync(400);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('works as a function wrapper, named after the function', async () => {
    const slowQuery = timeout(20)(function slowQuery(sql: string): Promise<string> {
      return new Promise(() => void sql);
    });
    const result = slowQuery('select 1').catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(20);
    expect(await result).toEqual(
      expect.objectContaining({ message: 'slowQuery timed out after 20 ms' }),
    );
  });

  it("uses the registry's clock for its timer", async () => {
    const timers: { fn: () => void; ms: number }[] = [];
    const cleared: unknown[] = [];
    const clock: Clock = {
      now: () => 0,
      setTimeout: (fn, ms) => timers.push({ fn, ms }),
      clearTimeout: (handle) => void cleared.push(handle),
    };
    const registry = createHotpath({ name: 'timeout-clock', clock });
    class Svc {
      @timeout(70)
      load(): Promise<void> {
        return new Promise(() => {});
      }
    }
    const result = bindHotpath(new Svc(), registry)
      .load()
      .catch((e: unknown) => e);
    expect(timers.map((t) => t.ms)).toEqual([70]);
    expect(jest.getTimerCount()).toBe(0);
    timers[0]!.fn();
    expect(await result).toEqual(expect.objectContaining({ code: 'E_TIMEOUT' }));
  });

  it('reports figures to its registry and publishes events', async () => {
    const registry = createHotpath({ name: 'timeout-figures' });
    class Api {
      @timeout(100)
      call(ms: number, fail = false): Promise<string> {
        return new Promise((resolve, reject) =>
          setTimeout(() => (fail ? reject(new Error('late boom')) : resolve('ok')), ms),
        );
      }
    }
    const api = bindHotpath(new Api(), registry);
    const events: HotpathEvent[] = [];
    const listener = (e: unknown): void => {
      if ((e as HotpathEvent).decorator === 'timeout') events.push(e as HotpathEvent);
    };
    subscribe('hotpath:event', listener);
    try {
      const results = [api.call(10), api.call(200), api.call(300, true)].map((p) =>
        p.catch((e: unknown) => e),
      );
      await jest.advanceTimersByTimeAsync(300);
      await Promise.all(results);
    } finally {
      unsubscribe('hotpath:event', listener);
    }
    expect(registry.stats().methods['Api.call']).toEqual({ timeout: { calls: 3, timeouts: 2 } });
    expect(control(api, 'call').stats()).toEqual({ timeout: { ms: 100, calls: 3, timeouts: 2 } });
    expect(events).toEqual([
      { decorator: 'timeout', event: 'timeout', method: 'Api.call', ms: 100 },
      { decorator: 'timeout', event: 'timeout', method: 'Api.call', ms: 100 },
      { decorator: 'timeout', event: 'late', method: 'Api.call', ms: 100, outcome: 'ok' },
      { decorator: 'timeout', event: 'late', method: 'Api.call', ms: 100, outcome: 'error' },
    ]);
  });

  describe('options', () => {
    const where = LEGACY ? 'Svc.call' : 'call';
    const define = (arg: unknown) => () => {
      class Svc {
        @timeout(arg as TimeoutOptions)
        async call(): Promise<void> {}
      }
      return Svc;
    };
    const positive = "`ms` must be a positive duration (milliseconds or a string like '5m'), got";
    it.each([
      [0, `${positive} 0`],
      [-5, `${positive} -5`],
      ['soon', `${positive} 'soon'`],
      [undefined, `${positive} undefined`],
      [{}, `${positive} undefined`],
      [{ ms: 0 }, `${positive} 0`],
      [{ ms: 100, signal: true }, 'unknown option `signal` (known options: `ms`)'],
      [{ mss: 100 }, 'unknown option `mss` (did you mean `ms`?)'],
    ])('refuses %p at decoration time', (arg, problem) => {
      expect(define(arg)).toThrow(new TypeError(`@timeout on ${where}: ${problem}`));
    });

    it("accepts durations such as '1.5s'", async () => {
      class Svc {
        @timeout('1.5s')
        call(): Promise<void> {
          return new Promise(() => {});
        }
      }
      const result = new Svc().call().catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(1500);
      expect(await result).toEqual(expect.objectContaining({ ms: 1500 }));
    });
  });
});
