import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { bindHotpath, cached, control, createHotpath, HotpathError } from '../../src/index.js';
import { type HotpathEvent } from '../../src/extend.js';
import { LEGACY } from '../helpers/mode.js';
import { flushMicrotasks, sleepMs } from '../helpers/time.js';

describe('@cached in memory', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs the method once for 50 concurrent misses and gives all of them its result', async () => {
    let runs = 0;
    class UserService {
      @cached()
      async getUser(id: string): Promise<{ id: string; run: number }> {
        runs++;
        await sleepMs(10);
        return { id, run: runs };
      }
    }
    const svc = new UserService();
    const calls = Array.from({ length: 50 }, () => svc.getUser('42'));
    await jest.advanceTimersByTimeAsync(10);
    const results = await Promise.all(calls);
    expect(runs).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]).toEqual({ id: '42', run: 1 });
    expect(control(svc, 'getUser').stats().cached).toMatchObject({ misses: 1, coalesced: 49 });
  });

  it('returns the value itself on a sync hit and the same settled promise on every async hit', async () => {
    class Svc {
      @cached()
      square(n: number): number {
        return n * n;
      }
      @cached()
      async load(id: string): Promise<string> {
        return `v:${id}`;
      }
    }
    const svc = new Svc();
    expect(svc.square(3)).toBe(9);
    expect(svc.square(3)).toBe(9);
    await svc.load('a');
    const hit1 = svc.load('a');
    const hit2 = svc.load('a');
    expect(hit1).toBeInstanceOf(Promise);
    expect(hit1).toBe(hit2);
    await expect(hit1).resolves.toBe('v:a');
    expect(control(svc, 'square').stats().cached).toMatchObject({ hits: 1, misses: 1 });
  });

  it('keeps two instances apart: they never share a memo by default', async () => {
    let runs = 0;
    class Repo {
      constructor(readonly prefix: string) {}
      @cached()
      async find(id: number): Promise<string> {
        runs++;
        return `${this.prefix}${id}`;
      }
    }
    const a = new Repo('a');
    const b = new Repo('b');
    expect(await a.find(1)).toBe('a1');
    expect(await b.find(1)).toBe('b1');
    expect(await a.find(1)).toBe('a1');
    expect(runs).toBe(2);
    await control(a, 'find').clear();
    expect(await b.find(1)).toBe('b1');
    expect(runs).toBe(2);
    expect(await a.find(1)).toBe('a1');
    expect(runs).toBe(3);
  });

  it("shares one memo between instances with scope: 'shared'", async () => {
    let runs = 0;
    class Repo {
      @cached({ scope: 'shared' })
      async find(id: number): Promise<number> {
        runs++;
        return id * 2;
      }
    }
    const registry = createHotpath();
    const a = bindHotpath(new Repo(), registry);
    const b = bindHotpath(new Repo(), registry);
    expect(await a.find(2)).toBe(4);
    expect(await b.find(2)).toBe(4);
    expect(runs).toBe(1);
    await control(b, 'find').invalidate(2);
    expect(await a.find(2)).toBe(4);
    expect(runs).toBe(2);
  });

  it("keeps one shared memo per registry (scope: 'shared', calls of two registries in turn)", () => {
    let runs = 0;
    class Repo {
      @cached({ scope: 'shared' })
      find(id: number): string {
        runs++;
        return `${id}:${runs}`;
      }
    }
    const a = bindHotpath(new Repo(), createHotpath());
    const b = bindHotpath(new Repo(), createHotpath());
    expect(a.find(1)).toBe('1:1');
    expect(a.find(1)).toBe('1:1');
    expect(b.find(1)).toBe('1:2');
    expect(a.find(1)).toBe('1:1');
    expect(b.find(1)).toBe('1:2');
    expect(runs).toBe(2);
    expect(control(a, 'find').stats()).toMatchObject({
      cached: { hits: 2, misses: 1, entries: 1 },
    });
    expect(control(b, 'find').stats()).toMatchObject({
      cached: { hits: 1, misses: 1, entries: 1 },
    });
  });

  it('never caches rejections or thrown errors', async () => {
    let runs = 0;
    class Svc {
      @cached()
      async flaky(): Promise<string> {
        runs++;
        if (runs === 1) throw new Error('boom');
        return 'ok';
      }
      @cached()
      throws(n: number): number {
        runs++;
        if (n < 0) throw new RangeError('negative');
        return n;
      }
    }
    const svc = new Svc();
    await expect(svc.flaky()).rejects.toThrow('boom');
    await expect(svc.flaky()).resolves.toBe('ok');
    await expect(svc.flaky()).resolves.toBe('ok');
    expect(runs).toBe(2);
    expect(() => svc.throws(-1)).toThrow(RangeError);
    expect(() => svc.throws(-1)).toThrow(RangeError);
    expect(runs).toBe(4);
  });

  it('caches undefined results, and skips results for which unless() is true', async () => {
    let runs = 0;
    class Svc {
      @cached()
      async nothing(): Promise<undefined> {
        runs++;
        return undefined;
      }
      @cached({ unless: (r: string[]) => r.length === 0 })
      async list(q: string): Promise<string[]> {
        runs++;
        return q === 'empty' ? [] : [q];
      }
    }
    const svc = new Svc();
    await svc.nothing();
    await svc.nothing();
    expect(runs).toBe(1);
    await svc.list('empty');
    await svc.list('empty');
    expect(runs).toBe(3);
    await svc.list('x');
    await svc.list('x');
    expect(runs).toBe(4);
  });

  it('expires entries exactly at ttl', async () => {
    let runs = 0;
    class Svc {
      @cached({ ttl: '5s' })
      async get(): Promise<number> {
        return ++runs;
      }
    }
    const svc = new Svc();
    expect(await svc.get()).toBe(1);
    await jest.advanceTimersByTimeAsync(4_999);
    expect(await svc.get()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(await svc.get()).toBe(2);
    await jest.advanceTimersByTimeAsync(4_999);
    expect(await svc.get()).toBe(2);
  });

  it('scales each ttl by a random factor in [1 - jitter, 1]', async () => {
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      let runs = 0;
      class Svc {
        @cached({ ttl: 1_000, jitter: 0.2 })
        async get(): Promise<number> {
          return ++runs;
        }
      }
      const svc = new Svc();
      await svc.get();
      await jest.advanceTimersByTimeAsync(899);
      expect(await svc.get()).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(await svc.get()).toBe(2);
    } finally {
      random.mockRestore();
    }
  });

  it('serves the stale value at once during staleWhileRevalidate and refreshes it once in the background', async () => {
    let runs = 0;
    class Svc {
      @cached({ ttl: 1_000, staleWhileRevalidate: 5_000 })
      async price(): Promise<number> {
        runs++;
        await sleepMs(100);
        return runs * 10;
      }
    }
    const svc = new Svc();
    const first = svc.price();
    await jest.advanceTimersByTimeAsync(100);
    expect(await first).toBe(10);
    await jest.advanceTimersByTimeAsync(1_000);
    // Expired, within the stale window: three calls get the stale value without waiting.
    const stale = await Promise.all([svc.price(), svc.price(), svc.price()]);
    expect(stale).toEqual([10, 10, 10]);
    expect(runs).toBe(2);
    await jest.advanceTimersByTimeAsync(100);
    expect(await svc.price()).toBe(20);
    expect(runs).toBe(2);
    expect(control(svc, 'price').stats().cached).toMatchObject({ staleServed: 3, refreshes: 1 });
  });

  it('keeps the stale value when the background refresh fails and reports the failure on error', async () => {
    let fail = false;
    class Svc {
      @cached({ ttl: 1_000, staleWhileRevalidate: 5_000 })
      async price(): Promise<number> {
        if (fail) throw new Error('upstream down');
        return 7;
      }
    }
    const registry = createHotpath();
    const errors: [string, unknown][] = [];
    registry.on('error', (e, info) => errors.push([e.message, info]));
    const svc = bindHotpath(new Svc(), registry);
    expect(await svc.price()).toBe(7);
    fail = true;
    await jest.advanceTimersByTimeAsync(1_500);
    expect(await svc.price()).toBe(7);
    await flushMicrotasks();
    expect(errors).toEqual([['upstream down', { decorator: 'cached', method: 'Svc.price' }]]);
    expect(await svc.price()).toBe(7);
    expect(control(svc, 'price').stats().cached).toMatchObject({ refreshErrors: 1 });
  });

  it('refreshes a sync method in the background after returning the stale value', async () => {
    let runs = 0;
    class Svc {
      @cached({ ttl: 100, staleWhileRevalidate: 1_000 })
      read(): number {
        return ++runs;
      }
    }
    const svc = new Svc();
    expect(svc.read()).toBe(1);
    await jest.advanceTimersByTimeAsync(150);
    expect(svc.read()).toBe(1);
    expect(runs).toBe(1);
    await flushMicrotasks();
    expect(runs).toBe(2);
    expect(svc.read()).toBe(2);
  });

  it('returns the stale value instead of the error within staleIfError, and the error after it', async () => {
    let fail = false;
    class Svc {
      @cached({ ttl: 1_000, staleIfError: 10_000 })
      async rate(): Promise<number> {
        if (fail) throw new Error('rates unavailable');
        return 1.5;
      }
    }
    const svc = new Svc();
    expect(await svc.rate()).toBe(1.5);
    fail = true;
    await jest.advanceTimersByTimeAsync(5_000);
    expect(await svc.rate()).toBe(1.5);
    await jest.advanceTimersByTimeAsync(6_000);
    await expect(svc.rate()).rejects.toThrow('rates unavailable');
    expect(control(svc, 'rate').stats().cached).toMatchObject({ staleIfError: 1 });
  });

  it('uses the key option (with this) and keys arguments by value, not identity', async () => {
    let runs = 0;
    class Svc {
      constructor(readonly tenant: string) {}
      @cached({
        key(this: Svc, q: { id: number }) {
          return `${this.tenant}:${q.id}`;
        },
      })
      async byKey(q: { id: number; noise?: number }): Promise<number> {
        runs++;
        return q.id;
      }
      @cached()
      async byArgs(q: { a: number; b: number }): Promise<number> {
        runs++;
        return q.a + q.b;
      }
    }
    const svc = new Svc('t1');
    await svc.byKey({ id: 1, noise: 1 });
    await svc.byKey({ id: 1, noise: 2 });
    expect(runs).toBe(1);
    await svc.byArgs({ a: 1, b: 2 });
    await svc.byArgs({ b: 2, a: 1 });
    expect(runs).toBe(2);
    await control(svc, 'byKey').invalidate({ id: 1 });
    await svc.byKey({ id: 1 });
    expect(runs).toBe(3);
  });

  it("keeps f('1') and f(1) apart, and a lone string apart from an argument list that encodes like it", () => {
    const seen: unknown[] = [];
    const f = cached()((...args: unknown[]) => {
      seen.push(args);
      return JSON.stringify(args);
    });
    expect(f('1')).toBe('["1"]');
    expect(f(1)).toBe('[1]');
    expect(f('[1,2]')).toBe('["[1,2]"]');
    expect(f(1, 2)).toBe('[1,2]');
    expect(f("'x")).toBe('["\'x"]');
    expect(f('x')).toBe('["x"]');
    expect(f('[1,2]')).toBe('["[1,2]"]');
    expect(f(1, 2)).toBe('[1,2]');
    expect(f('1')).toBe('["1"]');
    expect(f(1)).toBe('[1]');
    // A lone string is its own L1 key, so '[1,2]' and 1, 2 meet on one L1 slot: they replace
    // each other there (the second '[1,2]' and 1, 2 are misses), but a call never gets the
    // other's value. A lone number is its own L1 key too, a number, which no string equals:
    // '1' and 1 keep their entries (the last two calls are hits).
    expect(seen).toHaveLength(8);
  });

  it('bounds the memory tier by max, evicting the least recently used entry', () => {
    let runs = 0;
    class Svc {
      @cached({ max: 2 })
      get(n: number): number {
        runs++;
        return n;
      }
    }
    const svc = new Svc();
    svc.get(1);
    svc.get(2);
    svc.get(1);
    svc.get(3);
    expect(runs).toBe(3);
    svc.get(1);
    expect(runs).toBe(3);
    svc.get(2);
    expect(runs).toBe(4);
    expect(control(svc, 'get').stats().cached).toMatchObject({ entries: 2 });
  });

  it('caches static methods per class and plain functions per wrapper', async () => {
    let runs = 0;
    class Config {
      @cached()
      static load(name: string): string {
        runs++;
        return name.toUpperCase();
      }
    }
    expect(Config.load('a')).toBe('A');
    expect(Config.load('a')).toBe('A');
    expect(runs).toBe(1);
    const double = cached({ ttl: '1m' })(async (n: number) => {
      runs++;
      return n * 2;
    });
    expect(await double(2)).toBe(4);
    expect(await double(2)).toBe(4);
    expect(runs).toBe(2);
    await control(double).invalidate(2);
    expect(await double(2)).toBe(4);
    expect(runs).toBe(3);
  });

  it('drops an in-flight result when the entry is invalidated during the computation', async () => {
    let runs = 0;
    class Svc {
      @cached()
      async get(): Promise<number> {
        const run = ++runs;
        await sleepMs(50);
        return run;
      }
    }
    const svc = new Svc();
    const first = svc.get();
    await jest.advanceTimersByTimeAsync(10);
    await control(svc, 'get').invalidate();
    await jest.advanceTimersByTimeAsync(40);
    expect(await first).toBe(1);
    const second = svc.get();
    await jest.advanceTimersByTimeAsync(50);
    expect(await second).toBe(2);
  });

  it('rejects (async) or throws (sync) E_UNKEYABLE for arguments it cannot key', async () => {
    class Svc {
      @cached()
      async withFn(cb: () => void): Promise<number> {
        return typeof cb === 'function' ? 1 : 0;
      }
      @cached()
      syncWithFn(cb: () => void): number {
        return typeof cb === 'function' ? 1 : 0;
      }
    }
    const svc = new Svc();
    await expect(svc.withFn(() => {})).rejects.toMatchObject({ code: 'E_UNKEYABLE' });
    expect(() => svc.syncWithFn(() => {})).toThrow(HotpathError);
  });

  it('gives each URL, boxed number and toJSON value its own entry, and refuses invisible state', async () => {
    class Session {
      readonly #user: string;
      constructor(user: string) {
        this.#user = user;
      }
      get user(): string {
        return this.#user;
      }
    }
    class Svc {
      @cached()
      async fetch(url: URL): Promise<string> {
        return url.href;
      }
      @cached()
      double(n: number): number {
        return Number(n) * 2;
      }
      @cached()
      async whoAmI(session: Session): Promise<string> {
        return session.user;
      }
    }
    const svc = new Svc();
    expect(await svc.fetch(new URL('https://a.test/1'))).toBe('https://a.test/1');
    expect(await svc.fetch(new URL('https://a.test/2'))).toBe('https://a.test/2');
    expect(svc.double(new Number(1) as number)).toBe(2);
    expect(svc.double(new Number(2) as number)).toBe(4);
    await expect(svc.whoAmI(new Session('ada'))).rejects.toMatchObject({
      code: 'E_UNKEYABLE',
      message:
        'Svc.whoAmI: cannot build a key from an argument that is an instance of Session, whose state is not visible (no own enumerable field, no `toJSON()`); pass a `key` option that returns a string or number, or give Session a `toJSON()` method',
    });
  });

  it('keeps one entry for f() and f(undefined), and for f(x) and f(x, undefined)', async () => {
    let runs = 0;
    class Svc {
      @cached()
      async list(filter?: string, limit?: number): Promise<string> {
        runs++;
        return `${filter ?? '*'}:${limit ?? 10}`;
      }
    }
    const svc = new Svc();
    expect(await svc.list()).toBe('*:10');
    expect(await svc.list(undefined)).toBe('*:10');
    expect(await svc.list(undefined, undefined)).toBe('*:10');
    expect(runs).toBe(1);
    expect(await svc.list('a')).toBe('a:10');
    expect(await svc.list('a', undefined)).toBe('a:10');
    expect(runs).toBe(2);
    expect(await svc.list(undefined, 5)).toBe('*:5');
    expect(runs).toBe(3);
    // Invalidating either spelling drops the one entry.
    await control(svc, 'list').invalidate('a', undefined);
    expect(await svc.list('a')).toBe('a:10');
    expect(runs).toBe(4);
  });

  it('keys a lone number as the full key does: 0 = -0, NaN = NaN, 1 ≠ 1n ≠ true, f(1) = f(1, undefined)', async () => {
    const seen: unknown[] = [];
    class Svc {
      @cached()
      get(n: unknown, extra?: unknown): string {
        seen.push([n, extra]);
        return `${typeof n}:${String(n)}`;
      }
    }
    const svc = new Svc();
    expect(svc.get(0)).toBe('number:0');
    expect(svc.get(-0)).toBe('number:0');
    expect(svc.get(NaN)).toBe('number:NaN');
    expect(svc.get(Number.NaN)).toBe('number:NaN');
    expect(svc.get(1)).toBe('number:1');
    expect(svc.get(1n)).toBe('bigint:1');
    expect(svc.get(true)).toBe('boolean:true');
    expect(svc.get('1')).toBe('string:1');
    expect(svc.get(Infinity)).toBe('number:Infinity');
    expect(svc.get('Infinity')).toBe('string:Infinity');
    expect(svc.get(1, undefined)).toBe('number:1');
    expect(seen).toHaveLength(8);
    // Invalidating by arguments or by the full key's spelling drops the number's entry.
    await control(svc, 'get').invalidate(1);
    expect(svc.get(1)).toBe('number:1');
    await control(svc, 'get').invalidate(NaN, undefined);
    expect(svc.get(NaN)).toBe('number:NaN');
    expect(svc.get('1')).toBe('string:1');
    expect(seen).toHaveLength(10);
  });

  it('refuses a key option result that is not a string or number (E_UNKEYABLE at call time)', async () => {
    let runs = 0;
    class Svc {
      @cached({ key: (q: { id: number }) => ({ id: q.id }) as unknown as string })
      async byObject(q: { id: number }): Promise<number> {
        runs++;
        return q.id;
      }
      @cached({ key: (q: { userId?: number }) => q.userId as unknown as string })
      byMissingField(q: { id: number }): number {
        runs++;
        return q.id;
      }
      @cached({ key: (id: number) => (id % 2 ? id : String(id)) })
      async byNumber(id: number): Promise<number> {
        runs++;
        return id;
      }
    }
    const svc = new Svc();
    await expect(svc.byObject({ id: 1 })).rejects.toMatchObject({
      code: 'E_UNKEYABLE',
      message: '@cached on Svc.byObject: `key` must return a string or a number, got { id: 1 }',
    });
    await expect(svc.byObject({ id: 2 })).rejects.toMatchObject({ code: 'E_UNKEYABLE' });
    expect(() => svc.byMissingField({ id: 1 })).toThrow(
      '@cached on Svc.byMissingField: `key` must return a string or a number, got undefined',
    );
    expect(runs).toBe(0);
    expect(await svc.byNumber(1)).toBe(1);
    expect(await svc.byNumber(2)).toBe(2);
    expect(await svc.byNumber(1)).toBe(1);
    expect(runs).toBe(2);
  });

  it('reports figures in registry.stats() and publishes hit/miss events', async () => {
    const events: HotpathEvent[] = [];
    const listener = (e: unknown): void => void events.push(e as HotpathEvent);
    subscribe('hotpath:event', listener);
    try {
      class Catalog {
        @cached()
        async item(id: string): Promise<string> {
          return id;
        }
      }
      const registry = createHotpath();
      const c = bindHotpath(new Catalog(), registry);
      await c.item('a');
      await c.item('a');
      expect(registry.stats().methods['Catalog.item']).toEqual({
        cached: {
          hits: 1,
          hitsByTier: { memory: 1 },
          misses: 1,
          staleServed: 0,
          staleIfError: 0,
          refreshes: 0,
          refreshErrors: 0,
          coalesced: 0,
        },
      });
      const mine = events
        .filter((e) => e.method === 'Catalog.item')
        .map((e) => [e.decorator, e.event, e.key]);
      expect(mine).toEqual([
        ['cached', 'miss', "'a"],
        ['cached', 'hit', "'a"],
      ]);
    } finally {
      unsubscribe('hotpath:event', listener);
    }
  });

  it('clears every instance on registry.invalidate({ namespace }) and one key on { namespace, key }', async () => {
    let runs = 0;
    class Repo {
      @cached()
      async get(id: string): Promise<string> {
        runs++;
        return id;
      }
    }
    const registry = createHotpath();
    const a = bindHotpath(new Repo(), registry);
    const b = bindHotpath(new Repo(), registry);
    await Promise.all([a.get('x'), b.get('x'), a.get('y')]);
    expect(runs).toBe(3);
    await registry.invalidate({ namespace: 'Repo.get', key: "'x" });
    await Promise.all([a.get('x'), b.get('x'), a.get('y')]);
    expect(runs).toBe(5);
    await registry.invalidate({ namespace: 'Repo.get' });
    await Promise.all([a.get('x'), b.get('x'), a.get('y')]);
    expect(runs).toBe(8);
  });

  it('invalidates by tag only the entries carrying it, across instances', async () => {
    let runs = 0;
    class Users {
      @cached({ tags: (u: { id: number; org: string }) => [`user:${u.id}`, `org:${u.org}`] })
      async get(id: number): Promise<{ id: number; org: string }> {
        runs++;
        return { id, org: id < 10 ? 'acme' : 'other' };
      }
    }
    const registry = createHotpath();
    const a = bindHotpath(new Users(), registry);
    const b = bindHotpath(new Users(), registry);
    await Promise.all([a.get(1), a.get(2), b.get(1), b.get(20)]);
    expect(runs).toBe(4);
    await registry.invalidate({ tags: ['user:1'] });
    await Promise.all([a.get(1), a.get(2), b.get(1), b.get(20)]);
    expect(runs).toBe(6);
    await registry.invalidate({ tags: ['org:acme'] });
    await Promise.all([a.get(1), a.get(2), b.get(1), b.get(20)]);
    expect(runs).toBe(9);
  });
});

describe('@cached tag bookkeeping', () => {
  it('bounds the tags it remembers: beyond 50 000 the oldest are forgotten and older tagged entries recompute', async () => {
    let runs = 0;
    class Svc {
      @cached({ tags: (_r: number, id: number) => [`item:${id}`] })
      get(id: number): number {
        runs++;
        return id;
      }
    }
    const registry = createHotpath();
    const svc = bindHotpath(new Svc(), registry);
    svc.get(1);
    svc.get(1);
    expect(runs).toBe(1);
    await registry.invalidate({ tags: Array.from({ length: 60_000 }, (_, i) => `other:${i}`) });
    // Its own tag was never invalidated, but it is older than the forgotten invalidations:
    // recomputed rather than risk serving a stale value.
    svc.get(1);
    expect(runs).toBe(2);
    svc.get(1);
    expect(runs).toBe(2);
  });

  it('serves the stale value of a sync method that throws within staleIfError', () => {
    jest.useFakeTimers();
    try {
      let fail = false;
      class Svc {
        @cached({ ttl: 100, staleIfError: 1_000 })
        read(): number {
          if (fail) throw new Error('down');
          return 5;
        }
      }
      const svc = new Svc();
      expect(svc.read()).toBe(5);
      fail = true;
      jest.advanceTimersByTime(500);
      expect(svc.read()).toBe(5);
      jest.advanceTimersByTime(600);
      expect(() => svc.read()).toThrow('down');
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('@cached options', () => {
  const where = LEGACY ? 'Svc.get' : 'get';

  const define = (options: unknown): void => {
    class Svc {
      @cached(options as never)
      async get(): Promise<number> {
        return 1;
      }
    }
    void Svc;
  };

  it.each([
    [{ ttl: -1 }, "`ttl` must be a positive duration (milliseconds or a string like '5m'), got -1"],
    [
      { ttl: '5 minutes' },
      "`ttl` must be a positive duration (milliseconds or a string like '5m'), got '5 minutes'",
    ],
    [{ max: 0 }, '`max` must be an integer from 1 to 16777216, got 0'],
    [{ max: 2.5 }, '`max` must be an integer from 1 to 16777216, got 2.5'],
    [{ max: Infinity }, '`max` must be an integer from 1 to 16777216, got Infinity'],
    [{ max: 2 ** 24 + 1 }, '`max` must be an integer from 1 to 16777216, got 16777217'],
    [{ tll: '5m' }, 'unknown option `tll` (did you mean `ttl`?)'],
    [{ scope: 'global' }, "`scope` must be one of 'instance', 'shared', got 'global'"],
    [
      { store: [] },
      '`store` must be a store name or a non-empty array of distinct store names, got []',
    ],
    [
      { store: 'redis', scope: 'instance' },
      "`scope: 'instance'` cannot be combined with `store`: entries in a shared store are shared by every instance and process; drop `scope` (or use `scope: 'shared'`) or drop `store`",
    ],
    [
      { staleWhileRevalidate: '1m' },
      '`staleWhileRevalidate` needs `ttl`: without it entries never expire',
    ],
    [{ staleIfError: '1m' }, '`staleIfError` needs `ttl`: without it entries never expire'],
    [{ ttl: '1m', jitter: 2 }, '`jitter` must be a number from 0 to 1, got 2'],
    [
      { distributedLock: true },
      '`distributedLock` needs `store`: processes coordinate through a shared tier',
    ],
    [{ key: 'id' }, "`key` must be a function, got 'id'"],
    [{ version: {} }, '`version` must be a string or a finite number, got {}'],
    [
      { storeTimeout: 0 },
      "`storeTimeout` must be a positive duration (milliseconds or a string like '5m') of at most 2147483647 ms (24.8 days), got 0",
    ],
  ])('rejects %j at decoration time', (options, message) => {
    expect(() => define(options)).toThrow(new TypeError(`@cached on ${where}: ${message}`));
  });

  it('asks for a namespace when an anonymous function uses a store', () => {
    expect(() => cached({ store: 'redis' })((async () => 1) as () => Promise<number>)).toThrow(
      new TypeError(
        '@cached on anonymous function: an anonymous function with `store` needs `namespace`: it names the shared entries',
      ),
    );
  });
});
