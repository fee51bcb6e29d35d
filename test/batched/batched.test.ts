import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  HotpathError,
  batched,
  bindHotpath,
  control,
  createHotpath,
  use,
} from '../../src/index.js';
import { type HotpathEvent } from '../../src/extend.js';
import { LEGACY } from '../helpers/mode.js';
import { sleepMs } from '../helpers/time.js';

/** A promise with its resolve exposed, to hold a body open. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

afterEach(() => {
  jest.useRealTimers();
});

describe('@batched slices and groups', () => {
  it('gives each caller the results at its own positions, in order, with shared items deduped', async () => {
    const calls: number[][] = [];
    class Squares {
      @batched()
      async of(ns: number[]): Promise<number[]> {
        calls.push([...ns]);
        return ns.map((n) => n * n);
      }
    }
    const s = new Squares();
    const [a, b, c] = await Promise.all([s.of([3, 1]), s.of([2, 3, 2]), s.of([1])]);
    expect(a).toEqual([9, 1]);
    expect(b).toEqual([4, 9, 4]);
    expect(c).toEqual([1]);
    expect(calls).toEqual([[3, 1, 2]]);
  });

  it('dedupes primitives as Map keys do: 0 and -0, NaN and NaN, but never 1 and "1"', async () => {
    const calls: unknown[][] = [];
    class Repo {
      @batched()
      async load(items: unknown[]): Promise<string[]> {
        calls.push([...items]);
        return items.map((i) => `${typeof i}:${String(i)}`);
      }
    }
    const repo = new Repo();
    const big = 2 ** 40;
    const results = await Promise.all(
      [0, -0, NaN, NaN, 1, '1', big, big, 7, 7n, 7n].map((item) => repo.load([item])),
    );
    expect(results.flat()).toEqual([
      'number:0',
      'number:0',
      'number:NaN',
      'number:NaN',
      'number:1',
      'string:1',
      `number:${big}`,
      `number:${big}`,
      'number:7',
      'bigint:7',
      'bigint:7',
    ]);
    expect(calls).toEqual([[0, NaN, 1, '1', big, 7, 7n]]);
    const ints = await Promise.all([5, 3, 5, 100_000].map((n) => repo.load([n])));
    expect(ints.flat()).toEqual(['number:5', 'number:3', 'number:5', 'number:100000']);
    expect(calls[1]).toEqual([5, 3, 100_000]);
  });

  it.each([
    ['dedupe at dispatch', {}],
    ['dedupe as items arrive', { maxBatchSize: 10 }],
  ])(
    'dedupes URL items by their value, never handing one URL’s result to another (%s)',
    async (_label, options) => {
      const calls: string[][] = [];
      class Fetcher {
        @batched(options)
        async fetch(urls: URL[], base?: URL): Promise<string[]> {
          calls.push(urls.map((u) => u.pathname));
          return urls.map((u) => `${base?.host ?? '-'} ${u.pathname}`);
        }
      }
      const f = new Fetcher();
      const [a, b, c] = await Promise.all([
        f.fetch([new URL('https://a.test/1')]),
        f.fetch([new URL('https://a.test/2')]),
        f.fetch([new URL('https://a.test/1')]),
      ]);
      expect([a, b, c]).toEqual([['- /1'], ['- /2'], ['- /1']]);
      expect(calls).toEqual([['/1', '/2']]);
      // URLs as `rest` arguments form separate groups.
      const [d, e] = await Promise.all([
        f.fetch([new URL('https://x.test/p')], new URL('https://one.test')),
        f.fetch([new URL('https://x.test/p')], new URL('https://two.test')),
      ]);
      expect([d, e]).toEqual([['one.test /p'], ['two.test /p']]);
    },
  );

  it('batches calls with different rest arguments separately, and hands the body its group’s rest', async () => {
    const calls: unknown[][] = [];
    class Translations {
      @batched()
      async get(keys: string[], locale: string, opts?: { fallback: boolean }): Promise<string[]> {
        calls.push([[...keys], locale, opts]);
        return keys.map((k) => `${k}@${locale}${opts?.fallback ? '+' : ''}`);
      }
    }
    const t = new Translations();
    const results = await Promise.all([
      t.get(['hello'], 'en'),
      t.get(['hello'], 'fr'),
      t.get(['bye'], 'en'),
      t.get(['bye'], 'en', undefined),
      t.get(['bye'], 'en', { fallback: true }),
      t.get(['hi'], 'en', { fallback: true }),
    ]);
    expect(results).toEqual([
      ['hello@en'],
      ['hello@fr'],
      ['bye@en'],
      ['bye@en'],
      ['bye@en+'],
      ['hi@en+'],
    ]);
    expect(calls).toEqual([
      [['hello', 'bye'], 'en', undefined],
      [['hello'], 'fr', undefined],
      [['bye', 'hi'], 'en', { fallback: true }],
    ]);
  });

  it('splits one caller with more items than maxBatchSize over several body calls and answers it once', async () => {
    const calls: number[][] = [];
    class Repo {
      @batched({ maxBatchSize: 2 })
      async load(ids: number[]): Promise<number[]> {
        calls.push([...ids]);
        return ids.map((id) => id * 10);
      }
    }
    const repo = new Repo();
    const [big, small] = await Promise.all([repo.load([1, 2, 3, 4, 5]), repo.load([6])]);
    expect(big).toEqual([10, 20, 30, 40, 50]);
    expect(small).toEqual([60]);
    expect(calls).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
  });

  it('rejects only the callers whose slice holds an Error element', async () => {
    const missing = new Error('no user 2');
    class Users {
      @batched()
      async byId(ids: number[]): Promise<(string | Error)[]> {
        return ids.map((id) => (id === 2 ? missing : `user${id}`));
      }
    }
    const u = new Users();
    const results = await Promise.allSettled([
      u.byId([1]),
      u.byId([2]),
      u.byId([1, 2]),
      u.byId([3, 1]),
    ]);
    expect(results).toEqual([
      { status: 'fulfilled', value: ['user1'] },
      { status: 'rejected', reason: missing },
      { status: 'rejected', reason: missing },
      { status: 'fulfilled', value: ['user3', 'user1'] },
    ]);
  });

  it('rejects a caller whose item cannot be keyed, and only that caller', async () => {
    const [repo, calls] = (() => {
      const seen: unknown[][] = [];
      class Repo {
        @batched()
        async load(items: unknown[]): Promise<unknown[]> {
          seen.push(items);
          return items;
        }
      }
      return [new Repo(), seen] as const;
    })();
    const bad = repo.load([{ fn: () => 1 }]);
    const good = repo.load([1]);
    await expect(bad).rejects.toMatchObject({ code: 'E_UNKEYABLE' });
    expect(await good).toEqual([1]);
    expect(calls).toEqual([[1]]);
  });

  it('rejects a caller whose item cannot be keyed when dedupe runs as items arrive (maxBatchSize set)', async () => {
    const seen: unknown[][] = [];
    class Repo {
      @batched({ maxBatchSize: 10 })
      async load(items: unknown[]): Promise<unknown[]> {
        seen.push(items);
        return items;
      }
    }
    const repo = new Repo();
    const bad = repo.load([{ fn: () => 1 }]);
    const good = repo.load([1, 1]);
    await expect(bad).rejects.toMatchObject({ code: 'E_UNKEYABLE' });
    expect(await good).toEqual([1, 1]);
    expect(seen).toEqual([[1]]);
  });

  it('does not call the body when no queued item can be keyed', async () => {
    const seen: unknown[][] = [];
    class Repo {
      @batched()
      async load(items: unknown[]): Promise<unknown[]> {
        seen.push(items);
        return items;
      }
    }
    const repo = new Repo();
    const results = await Promise.allSettled([
      repo.load([Symbol.iterator]),
      repo.load([{ s: Symbol('x') }]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(seen).toEqual([[Symbol.iterator]]);
    const onlyBad = await Promise.allSettled([
      repo.load([{ f: () => 0 }]),
      repo.load([{ g: () => 0 }, 2]),
    ]);
    expect(onlyBad.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(seen).toEqual([[Symbol.iterator], [2]]);
    const none = await repo.load([{ h: () => 0 }]).catch((e: unknown) => e);
    expect(none).toMatchObject({ code: 'E_UNKEYABLE' });
    expect(seen).toHaveLength(2);
  });

  it('keeps state per instance: two instances never share a batch', async () => {
    const calls: string[] = [];
    class Repo {
      constructor(readonly name: string) {}
      @batched()
      async load(ids: number[]): Promise<string[]> {
        calls.push(`${this.name}:${ids.join(',')}`);
        return ids.map((id) => `${this.name}${id}`);
      }
    }
    const a = new Repo('a');
    const b = new Repo('b');
    const results = await Promise.all([a.load([1]), b.load([1]), a.load([2]), b.load([3])]);
    expect(results).toEqual([['a1'], ['b1'], ['a2'], ['b3']]);
    expect(calls.sort()).toEqual(['a:1,2', 'b:1,3']);
  });

  it('batches static methods per class and plain functions per wrapper', async () => {
    const calls: number[][] = [];
    class Repo {
      @batched()
      static async load(ids: number[]): Promise<number[]> {
        calls.push([...ids]);
        return ids;
      }
    }
    const load = batched()(async (ids: number[]): Promise<number[]> => {
      calls.push([...ids, -1]);
      return ids;
    });
    const results = await Promise.all([Repo.load([1]), load([2]), Repo.load([3]), load([4])]);
    expect(results).toEqual([[1], [2], [3], [4]]);
    expect(calls).toEqual([
      [1, 3],
      [2, 4, -1],
    ]);
  });
  it('once a body returned an array, hands single-item callers mixed with others their own slices, in any order of items', async () => {
    // Single-item callers share one reaction function that answers them in call order; callers
    // with several items and duplicates (deduped as they arrive) shift their positions.
    class Repo {
      @batched({ maxBatchSize: 100 })
      async load(ids: number[]): Promise<(string | Error)[]> {
        return ids.map((id) => (id === 13 ? new Error('no 13') : `v${id}`));
      }
    }
    const repo = new Repo();
    await repo.load([0]);
    const calls = [[5], [1, 2], [5], [13], [2], [7, 5], [9], [1]];
    const results = await Promise.allSettled(calls.map((ids) => repo.load(ids)));
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    ).toEqual([['v5'], ['v1', 'v2'], ['v5'], 'no 13', ['v2'], ['v7', 'v5'], ['v9'], ['v1']]);
  });

  it('once a body returned an array, one-item calls still batch per owner, run the body on its instance and reach inner layers', async () => {
    // After the first array result, a lone one-item call is queued without the chain's `Call`
    // (the site's shortcut); batches, `this` and the `Call` inner layers see must not change.
    const seen: string[] = [];
    class Repo {
      constructor(readonly name: string) {}
      @batched()
      @use((call, next) => {
        seen.push(`${(call.instance as Repo).name}:${String(call.owner === call.instance)}`);
        return next();
      })
      async load(ids: number[]): Promise<string[]> {
        return ids.map((id) => `${this.name}${id}`);
      }
      @batched()
      static async all(ids: number[]): Promise<string[]> {
        return ids.map((id) => `${this.name}${id}`);
      }
    }
    const load = batched()(async function (this: unknown, ids: number[]): Promise<unknown[]> {
      return ids.map(() => this);
    });
    const a = new Repo('a');
    const b = new Repo('b');
    await Promise.all([a.load([0]), b.load([0]), Repo.all([0]), load([0])]);
    seen.length = 0;
    const results = await Promise.all([
      a.load([1]),
      b.load([1]),
      a.load([2]),
      Repo.all([3]),
      Repo.all([4]),
      load.call('x', [5]),
    ]);
    expect(results).toEqual([['a1'], ['b1'], ['a2'], ['Repo3'], ['Repo4'], ['x']]);
    expect(seen.sort()).toEqual(['a:true', 'b:true']);
    // Figures are per method: two batches of each round for `load` (a's and b's).
    expect(control(a, 'load').stats()).toMatchObject({ batched: { batches: 4, requested: 5 } });
    expect(control(Repo, 'all').stats()).toMatchObject({ batched: { batches: 2, requested: 3 } });
    // A throwing index getter rejects its caller, as it did through the chain.
    const tricky: number[] = [];
    Object.defineProperty(tricky, 0, {
      get() {
        throw new Error('no item');
      },
    });
    await expect(a.load(tricky)).rejects.toThrow('no item');
  });
});

describe('@batched write-behind', () => {
  it('resolves each caller with undefined once the batch holding its items is written', async () => {
    const written = deferred();
    const rows: string[][] = [];
    class AuditLog {
      @batched()
      async write(entries: string[]): Promise<void> {
        rows.push([...entries]);
        await written.promise;
      }
    }
    const log = new AuditLog();
    let settled = 0;
    const a = log.write(['login']).then((v) => {
      settled++;
      return v;
    });
    const b = log.write(['logout', 'login']).then((v) => {
      settled++;
      return v;
    });
    await new Promise((r) => setImmediate(r));
    expect(rows).toEqual([['login', 'logout']]);
    expect(settled).toBe(0);
    expect(control(log, 'write').pending()).toBe(true);
    written.resolve();
    expect(await a).toBeUndefined();
    expect(await b).toBeUndefined();
    expect(settled).toBe(2);
    expect(control(log, 'write').pending()).toBe(false);
  });

  it('rejects only the write-behind callers whose item cannot be keyed', async () => {
    const rows: unknown[][] = [];
    class Sink {
      @batched()
      async write(items: unknown[]): Promise<void> {
        rows.push(items);
      }
    }
    const sink = new Sink();
    const results = await Promise.allSettled([
      sink.write(['a']),
      sink.write([{ bad: () => 0 }]),
      sink.write(['b', 'a']),
      sink.write(['c', { bad: () => 0 }]),
    ]);
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as HotpathError).code)),
    ).toEqual([undefined, 'E_UNKEYABLE', undefined, 'E_UNKEYABLE']);
    expect(rows).toEqual([['a', 'b', 'c']]);
  });

  it('reports a failed write nobody awaits to registry.on(error), once, never as an unhandled rejection', async () => {
    const registry = createHotpath({ name: 'batched-fire-and-forget' });
    const seen: [Error, unknown][] = [];
    registry.on('error', (error, info) => seen.push([error, info]));
    const down = new Error('audit table is locked');
    class AuditLog {
      @batched()
      async write(_entries: string[]): Promise<void> {
        throw down;
      }
    }
    const log = bindHotpath(new AuditLog(), registry);
    void log.write(['a']);
    void log.write(['b', 'c']);
    const awaited = log.write(['d']).catch((error: unknown) => error);
    expect(await awaited).toBe(down);
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([[down, { decorator: 'batched', method: 'AuditLog.write' }]]);
  });

  it('does not report failures its callers handle', async () => {
    const registry = createHotpath({ name: 'batched-handled' });
    const seen: Error[] = [];
    registry.on('error', (error) => seen.push(error));
    class AuditLog {
      @batched()
      async write(entries: string[]): Promise<void> {
        if (entries.includes('bad')) throw new Error('rejected row');
      }
    }
    const log = bindHotpath(new AuditLog(), registry);
    const results = await Promise.allSettled([log.write(['bad']), log.write(['ok'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await log.write(['ok']);
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
  });

  it('treats null from a write-behind body as a broken contract', async () => {
    class AuditLog {
      @batched()
      async write(_entries: string[]): Promise<void> {
        return null as unknown as void;
      }
    }
    await expect(new AuditLog().write(['x'])).rejects.toThrow(
      '@batched on AuditLog.write: the body must return an array of 1 result (one per item, in order) or nothing (for a write-behind batch), got null',
    );
  });
});

describe('@batched tick scheduling under fake timers', () => {
  it('still dispatches tick batches when Jest fakes timers and process.nextTick', async () => {
    jest.useFakeTimers();
    class Repo {
      @batched()
      async load(ids: number[]): Promise<number[]> {
        return ids.map((id) => id + 1);
      }
    }
    const repo = new Repo();
    expect(await Promise.all([repo.load([1]), repo.load([2])])).toEqual([[2], [3]]);
  });
});

describe('@batched maxWait', () => {
  it('collects calls across ticks until maxWait after the batch’s first call', async () => {
    jest.useFakeTimers();
    const calls: number[][] = [];
    class Repo {
      @batched({ maxWait: '50ms' })
      async load(ids: number[]): Promise<number[]> {
        calls.push([...ids]);
        return ids;
      }
    }
    const repo = new Repo();
    const first = repo.load([1]);
    await jest.advanceTimersByTimeAsync(30);
    const second = repo.load([2]);
    await jest.advanceTimersByTimeAsync(19);
    expect(calls).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([[1, 2]]);
    expect(await first).toEqual([1]);
    expect(await second).toEqual([2]);
    const third = repo.load([3]);
    await jest.advanceTimersByTimeAsync(50);
    expect(await third).toEqual([3]);
    expect(calls).toEqual([[1, 2], [3]]);
  });

  it('dispatches at once when a batch reaches maxBatchSize, before maxWait', async () => {
    jest.useFakeTimers();
    const calls: number[][] = [];
    class Repo {
      @batched({ maxWait: '1s', maxBatchSize: 3 })
      async load(ids: number[]): Promise<number[]> {
        calls.push([...ids]);
        return ids;
      }
    }
    const repo = new Repo();
    const p = [repo.load([1]), repo.load([2])];
    expect(calls).toEqual([]);
    p.push(repo.load([3]));
    expect(calls).toEqual([[1, 2, 3]]);
    p.push(repo.load([4]));
    await jest.advanceTimersByTimeAsync(999);
    expect(calls).toEqual([[1, 2, 3]]);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([[1, 2, 3], [4]]);
    expect(await Promise.all(p)).toEqual([[1], [2], [3], [4]]);
  });
});

describe('@batched control and shutdown', () => {
  it('flush() dispatches now and resolves when the batch is written; pending() follows it', async () => {
    jest.useFakeTimers();
    const rows: string[] = [];
    class AuditLog {
      @batched({ maxWait: '10s' })
      async write(entries: string[]): Promise<void> {
        await Promise.resolve();
        rows.push(...entries);
      }
    }
    const log = new AuditLog();
    const handle = control(log, 'write');
    expect(handle.pending()).toBe(false);
    const written = log.write(['a', 'b']);
    expect(handle.pending()).toBe(true);
    await handle.flush();
    expect(rows).toEqual(['a', 'b']);
    expect(handle.pending()).toBe(false);
    await expect(written).resolves.toBeUndefined();
    await handle.flush();
  });

  it('cancel() rejects queued callers with E_CANCELLED and never runs their batch', async () => {
    jest.useFakeTimers();
    const calls: number[][] = [];
    class Repo {
      @batched({ maxWait: 100 })
      async load(ids: number[]): Promise<number[]> {
        calls.push([...ids]);
        return ids;
      }
    }
    const repo = bindHotpath(new Repo(), createHotpath({ name: 'batched-cancel' }));
    const a = repo.load([1]);
    const b = repo.load([2, 3]);
    control(repo, 'load').cancel();
    const results = await Promise.allSettled([a, b]);
    const reasons = results.map((r) => (r as PromiseRejectedResult).reason as HotpathError);
    expect(reasons[0]).toBeInstanceOf(HotpathError);
    expect(reasons[0]!.code).toBe('E_CANCELLED');
    expect(reasons[0]!.message).toBe(
      'Repo.load: a queued batch of 3 items was cancelled before it ran',
    );
    expect(reasons[1]).toBe(reasons[0]);
    await jest.advanceTimersByTimeAsync(200);
    expect(calls).toEqual([]);
    expect(control(repo, 'load').pending()).toBe(false);
    expect(control(repo, 'load').stats().batched).toMatchObject({ cancelled: 2, batches: 0 });
  });

  it('shutdown() writes every pending batch of its instances, waits for them, then refuses calls', async () => {
    const registry = createHotpath({ name: 'batched-shutdown' });
    const rows: string[] = [];
    class AuditLog {
      constructor(readonly tag: string) {}
      @batched({ maxWait: '1h' })
      async write(entries: string[]): Promise<void> {
        await sleepMs(5);
        rows.push(...entries.map((e) => `${this.tag}:${e}`));
      }
    }
    const a = bindHotpath(new AuditLog('a'), registry);
    const b = bindHotpath(new AuditLog('b'), registry);
    const writes = [a.write(['1']), b.write(['2']), a.write(['3'])];
    await registry.shutdown();
    expect(rows.sort()).toEqual(['a:1', 'a:3', 'b:2']);
    expect(await Promise.all(writes)).toEqual([undefined, undefined, undefined]);
    await expect(a.write(['late'])).rejects.toMatchObject({ code: 'E_SHUTDOWN' });
  });

  it('reports figures in registry.stats(): batches, mean and max size, items, dedupe savings, errors', async () => {
    const registry = createHotpath({ name: 'batched-stats' });
    class Repo {
      @batched({ maxBatchSize: 3 })
      async load(ids: number[]): Promise<(number | Error)[]> {
        if (ids.includes(99)) throw new Error('down');
        return ids.map((id) => (id === 13 ? new Error('unlucky') : id));
      }
    }
    const repo = bindHotpath(new Repo(), registry);
    await Promise.allSettled([repo.load([1]), repo.load([1]), repo.load([2, 13]), repo.load([4])]);
    await Promise.allSettled([repo.load([99])]);
    expect(registry.stats().methods['Repo.load']).toEqual({
      batched: {
        batches: 3,
        items: 5,
        requested: 6,
        dedupeSaved: 1,
        meanBatchSize: 5 / 3,
        maxBatchSize: 3,
        errors: 1,
        itemErrors: 1,
        cancelled: 0,
      },
    });
    expect(control(repo, 'load').stats().batched).toMatchObject({
      batches: 3,
      queued: 0,
      running: 0,
    });
  });

  it('publishes a dispatch event per batch on hotpath:event', async () => {
    const events: HotpathEvent[] = [];
    const listener = (message: unknown): void => {
      const e = message as HotpathEvent;
      if (e.decorator === 'batched') events.push(e);
    };
    subscribe('hotpath:event', listener);
    try {
      class Repo {
        @batched()
        async load(ids: number[], tenant: string): Promise<number[]> {
          return ids.map(() => tenant.length);
        }
      }
      const repo = new Repo();
      await Promise.all([repo.load([1], 'acme'), repo.load([1], 'acme'), repo.load([2], 'acme')]);
      await control(repo, 'load').flush();
    } finally {
      unsubscribe('hotpath:event', listener);
    }
    expect(events).toEqual([
      {
        decorator: 'batched',
        event: 'dispatch',
        method: 'Repo.load',
        size: 2,
        requested: 3,
        reason: 'tick',
        group: "'acme",
      },
    ]);
  });
});

describe('@batched options', () => {
  const where = LEGACY ? 'Repo.load' : 'load';

  function decorate(options: unknown): () => void {
    return () => {
      class Repo {
        @batched(options as never)
        async load(ids: number[]): Promise<number[]> {
          return ids;
        }
      }
      return Repo;
    };
  }

  it('rejects bad options at decoration time, naming the decorator, method, option and value', () => {
    expect(decorate({ maxBatchSize: 0 })).toThrow(
      new TypeError(`@batched on ${where}: \`maxBatchSize\` must be a positive integer, got 0`),
    );
    expect(decorate({ maxBatchSize: 1.5 })).toThrow(
      new TypeError(`@batched on ${where}: \`maxBatchSize\` must be a positive integer, got 1.5`),
    );
    expect(decorate({ maxWait: '5 minutes' })).toThrow(
      new TypeError(
        `@batched on ${where}: \`maxWait\` must be a duration (milliseconds or a string like '5m'), got '5 minutes'`,
      ),
    );
    expect(decorate({ dedupe: 'yes' })).toThrow(
      new TypeError(`@batched on ${where}: \`dedupe\` must be a boolean, got 'yes'`),
    );
    expect(decorate({ itemKey: 'id' })).toThrow(
      new TypeError(`@batched on ${where}: \`itemKey\` must be a function, got 'id'`),
    );
    expect(decorate({ itemKey: (x: unknown) => x, dedupe: false })).toThrow(
      new TypeError(
        `@batched on ${where}: \`itemKey\` only serves \`dedupe\`, which is off: drop one of them`,
      ),
    );
    expect(decorate({ maxBatchsize: 10 })).toThrow(
      new TypeError(
        `@batched on ${where}: unknown option \`maxBatchsize\` (did you mean \`maxBatchSize\`?)`,
      ),
    );
  });

  it('accepts maxBatchSize Infinity and a numeric maxWait', () => {
    expect(decorate({ maxBatchSize: Infinity, maxWait: 0 })).not.toThrow();
  });
});
