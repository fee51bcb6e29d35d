/**
 * Durations past 24.8 days (2^31 − 1 ms, the longest delay a Node timer honours; a longer one
 * fires after 1 ms with a `TimeoutOverflowWarning`). Every decorator that waits must wait the
 * whole duration, with one pending timer (no 1 ms spin), or refuse the value when it is
 * applied. Fake timers: 30 days pass in a few milliseconds of test time.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  TimeoutError,
  batched,
  cached,
  debounce,
  parseDuration,
  retry,
  throttle,
  timeout,
} from '../../src/index.js';
import { RedisBus, RedisLock, redisStore } from '../../src/redis/index.js';

const DAY = 86_400_000;
/** The Node limit: 2^31 − 1 ms. */
const LIMIT = 2 ** 31 - 1;

describe('durations past 24.8 days', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it("@timeout('30d') rejects after 30 days, not after a few milliseconds", async () => {
    class Upstream {
      @timeout('30d')
      hang(): Promise<string> {
        return new Promise<string>(() => {});
      }
    }
    let outcome: unknown = 'pending';
    new Upstream().hang().then(
      () => (outcome = 'resolved'),
      (error: unknown) => (outcome = error),
    );
    await jest.advanceTimersByTimeAsync(30 * DAY - 1);
    expect(outcome).toBe('pending');
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(outcome).toBeInstanceOf(TimeoutError);
    expect((outcome as TimeoutError).message).toBe('Upstream.hang timed out after 2592000000 ms');
  });

  it("@retry({ delay: '30d' }) tries again after 30 days, not at once", async () => {
    const tries: number[] = [];
    class Flaky {
      @retry({ attempts: 2, delay: '30d', jitter: false })
      async call(): Promise<string> {
        tries.push(Date.now());
        if (tries.length === 1) throw new Error('first try fails');
        return 'ok';
      }
    }
    const result = new Flaky().call();
    await jest.advanceTimersByTimeAsync(30 * DAY - 1);
    expect(tries).toEqual([0]);
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBe('ok');
    expect(tries).toEqual([0, 30 * DAY]);
  });

  it("@batched({ maxWait: '30d' }) dispatches after 30 days, not at once", async () => {
    const batches: Array<{ at: number; ids: number[] }> = [];
    class Repo {
      @batched({ maxWait: '30d' })
      async load(ids: number[]): Promise<number[]> {
        batches.push({ at: Date.now(), ids });
        return ids.map((id) => id * 10);
      }
    }
    const repo = new Repo();
    const first = repo.load([1]);
    await jest.advanceTimersByTimeAsync(29 * DAY);
    const second = repo.load([2]);
    expect(batches).toEqual([]);
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(DAY);
    await expect(Promise.all([first, second])).resolves.toEqual([[10], [20]]);
    expect(batches).toEqual([{ at: 30 * DAY, ids: [1, 2] }]);
  });

  it("@debounce('30d') runs 30 days after the last call, with one timer meanwhile", async () => {
    const runs: Array<{ at: number; arg: string }> = [];
    class Search {
      @debounce('30d')
      async index(arg: string): Promise<void> {
        runs.push({ at: Date.now(), arg });
      }
    }
    const search = new Search();
    void search.index('a');
    await jest.advanceTimersByTimeAsync(DAY);
    const last = search.index('b');
    await jest.advanceTimersByTimeAsync(30 * DAY - 1);
    expect(runs).toEqual([]);
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    await last;
    expect(runs).toEqual([{ at: 31 * DAY, arg: 'b' }]);
  });

  it("@throttle('30d') runs the trailing call 30 days after the leading one", async () => {
    const runs: Array<{ at: number; arg: string }> = [];
    class Sync {
      @throttle('30d')
      async push(arg: string): Promise<void> {
        runs.push({ at: Date.now(), arg });
      }
    }
    const sync = new Sync();
    await sync.push('a');
    const trailing = sync.push('b');
    await jest.advanceTimersByTimeAsync(30 * DAY - 1);
    expect(runs).toEqual([{ at: 0, arg: 'a' }]);
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    await trailing;
    expect(runs).toEqual([
      { at: 0, arg: 'a' },
      { at: 30 * DAY, arg: 'b' },
    ]);
  });
});

async function fetchUser(): Promise<number> {
  return 1;
}

describe('durations that make no sense', () => {
  it('refuses a store timeout past 24.8 days when @cached is applied', () => {
    expect(() => cached({ store: 'redis', storeTimeout: '30d' })(fetchUser)).toThrow(
      new TypeError(
        "@cached on fetchUser: `storeTimeout` must be a positive duration (milliseconds or a string like '5m') of at most 2147483647 ms (24.8 days), got '30d'",
      ),
    );
    expect(() => cached({ store: 'redis', storeTimeout: LIMIT + 1 })(fetchUser)).toThrow(
      /`storeTimeout` must be a positive duration .* of at most 2147483647 ms \(24\.8 days\), got 2147483648$/,
    );
    expect(() => cached({ store: 'redis', storeTimeout: LIMIT })(fetchUser)).not.toThrow();
  });

  it('refuses Redis timeouts and intervals past 24.8 days (ioredis would clamp them to 1 ms)', () => {
    expect(() => redisStore('redis://127.0.0.1:1', { commandTimeout: '30d' })).toThrow(
      new TypeError(
        "redisStore: `commandTimeout` must be a positive duration (milliseconds or a string like '5m') of at most 2147483647 ms (24.8 days), got '30d'",
      ),
    );
    expect(() => new RedisLock({ url: 'redis://127.0.0.1:1', acquireTimeout: '25d' })).toThrow(
      /^new RedisLock\(\): `acquireTimeout` must be .* of at most 2147483647 ms \(24\.8 days\), got '25d'$/,
    );
    expect(() => new RedisBus({ url: 'redis://127.0.0.1:1', heartbeat: '30d' })).toThrow(
      /^new RedisBus\(\): `heartbeat` must be .* of at most 2147483647 ms \(24\.8 days\), got '30d'$/,
    );
  });

  it('refuses a duration string that overflows to Infinity, like the number Infinity', () => {
    const huge = `1${'0'.repeat(400)}d`;
    const shown = `'${huge.slice(0, 60)}'... ${huge.length - 60} more characters`;
    expect(() => timeout(huge)(fetchUser)).toThrow(
      new TypeError(
        `@timeout on fetchUser: \`ms\` must be a positive duration (milliseconds or a string like '5m'), got ${shown}`,
      ),
    );
    expect(() => timeout(Infinity)(fetchUser)).toThrow(
      new TypeError(
        "@timeout on fetchUser: `ms` must be a positive duration (milliseconds or a string like '5m'), got Infinity",
      ),
    );
    expect(() => debounce({ wait: 1, maxWait: `${'9'.repeat(320)}ms` })(fetchUser)).toThrow(
      /^@debounce on fetchUser: `maxWait` must be a duration >= `wait` \(1 ms\), got '9{60}'\.\.\. 262 more characters$/,
    );
    expect(() => parseDuration(`${'9'.repeat(320)}ms`)).toThrow(
      new TypeError(
        `parseDuration: \`value\` must be a duration (milliseconds or a string like '5m'), got '${'9'.repeat(60)}'... 262 more characters`,
      ),
    );
  });
});
