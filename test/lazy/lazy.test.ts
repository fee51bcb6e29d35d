import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from '@jest/globals';
import { bindHotpath, control, createHotpath, lazy, use } from '../../src/index.js';
import { type HotpathEvent } from '../../src/extend.js';
import { LEGACY } from '../helpers/mode.js';
import { turnEventLoop } from '../helpers/time.js';

describe('@lazy', () => {
  it('keeps answering after its registry shut down, while a stacked decorator still refuses', async () => {
    const registry = createHotpath({ name: 'lazy-after-shutdown' });
    let built = 0;
    class Config {
      @lazy()
      get settings(): { region: string } {
        built++;
        return { region: 'eu' };
      }
      @lazy()
      get unread(): number {
        return 7;
      }
      @use((_call, next) => next())
      load(): number {
        return 1;
      }
    }
    const config = bindHotpath(new Config(), registry);
    const first = config.settings;
    await registry.shutdown();
    expect(config.settings).toBe(first);
    expect(config.unread).toBe(7);
    expect(built).toBe(1);
    expect(() => config.load()).toThrow(expect.objectContaining({ code: 'E_SHUTDOWN' }));
  });

  it('computes a getter on first access and returns the same value afterwards', () => {
    let runs = 0;
    class Settings {
      @lazy()
      get parsed(): { port: number } {
        runs++;
        return { port: 8080 };
      }
    }
    const s = new Settings();
    const first = s.parsed;
    expect(s.parsed).toBe(first);
    expect(s.parsed).toBe(first);
    expect(first).toEqual({ port: 8080 });
    expect(runs).toBe(1);
  });

  it('keeps one value per instance: two instances never share it', () => {
    class Conn {
      constructor(readonly url: string) {}
      @lazy()
      get client(): { url: string } {
        return { url: this.url };
      }
    }
    const a = new Conn('a');
    const b = new Conn('b');
    expect(a.client.url).toBe('a');
    expect(b.client.url).toBe('b');
    expect(a.client).toBe(a.client);
    expect(a.client).not.toBe(b.client);
    control(a, 'client').reset();
    const bBefore = b.client;
    expect(b.client).toBe(bBefore);
  });

  it('remembers undefined and null instead of computing again', () => {
    let runs = 0;
    class Box {
      @lazy()
      get nothing(): undefined {
        runs++;
        return undefined;
      }
      @lazy()
      get empty(): null {
        runs++;
        return null;
      }
    }
    const box = new Box();
    expect([box.nothing, box.nothing, box.empty, box.empty]).toEqual([
      undefined,
      undefined,
      null,
      null,
    ]);
    expect(runs).toBe(2);
  });

  it('remembers nothing when the getter throws: the next access computes again', () => {
    let runs = 0;
    class Flaky {
      @lazy()
      get value(): number {
        runs++;
        if (runs === 1) throw new Error('not yet');
        return runs;
      }
    }
    const f = new Flaky();
    expect(() => f.value).toThrow('not yet');
    expect(f.value).toBe(2);
    expect(f.value).toBe(2);
    expect(runs).toBe(2);
  });

  it('forgets the value on reset(), for that instance only', () => {
    let runs = 0;
    class Clock {
      @lazy()
      get stamp(): number {
        return ++runs;
      }
    }
    const a = new Clock();
    const b = new Clock();
    expect(a.stamp).toBe(1);
    expect(b.stamp).toBe(2);
    control(a, 'stamp').reset();
    expect(a.stamp).toBe(3);
    expect(b.stamp).toBe(2);
  });

  it('works on static getters, keyed by the class', () => {
    let runs = 0;
    class Registry {
      static prefix = 'r:';
      @lazy()
      static get table(): Map<string, string> {
        runs++;
        return new Map([['k', `${this.prefix}v`]]);
      }
    }
    expect(Registry.table.get('k')).toBe('r:v');
    expect(Registry.table).toBe(Registry.table);
    expect(runs).toBe(1);
    control(Registry, 'table').reset();
    expect(Registry.table.get('k')).toBe('r:v');
    expect(runs).toBe(2);
  });

  it('keeps a setter declared beside the getter working', () => {
    class Prefs {
      stored = 'dark';
      @lazy()
      get theme(): string {
        return this.stored.toUpperCase();
      }
      set theme(v: string) {
        this.stored = v;
      }
    }
    const p = new Prefs();
    expect(p.theme).toBe('DARK');
    p.theme = 'light';
    expect(p.stored).toBe('light');
    expect(p.theme).toBe('DARK');
    control(p, 'theme').reset();
    expect(p.theme).toBe('LIGHT');
  });

  describe('with promises', () => {
    it('caches the promise, so concurrent readers share one computation', async () => {
      let runs = 0;
      class Db {
        @lazy()
        get pool(): Promise<string> {
          runs++;
          return Promise.resolve(`pool#${runs}`);
        }
      }
      const db = new Db();
      const p1 = db.pool;
      const p2 = db.pool;
      expect(p1).toBe(p2);
      expect(await p1).toBe('pool#1');
      expect(await db.pool).toBe('pool#1');
      expect(runs).toBe(1);
    });

    it('hands the rejection to the caller and computes again on the next access', async () => {
      let runs = 0;
      class Db {
        @lazy()
        get pool(): Promise<string> {
          runs++;
          return runs === 1
            ? Promise.reject(new Error('connect ECONNREFUSED'))
            : Promise.resolve('pool');
        }
      }
      const db = new Db();
      const failing = db.pool;
      expect(db.pool).toBe(failing); // still pending: shared
      await expect(failing).rejects.toThrow('connect ECONNREFUSED');
      await expect(db.pool).resolves.toBe('pool');
      expect(db.pool).toBe(db.pool);
      expect(runs).toBe(2);
    });

    it('raises no unhandled rejection when a rejected promise is never awaited by anyone', async () => {
      class Db {
        @lazy()
        get pool(): Promise<string> {
          return Promise.reject(new Error('nobody listens'));
        }
      }
      const db = bindHotpath(new Db(), createHotpath({ name: 'lazy-unhandled' }));
      void db.pool;
      // The setup fails the test if an unhandled rejection surfaces within a few turns.
      await turnEventLoop(2);
      expect(control(db, 'pool').stats()).toEqual({
        lazy: { computed: 1, hits: 0, rejected: 1, resets: 0, remembered: false },
      });
    });

    it('does not let a rejection of a reset promise forget the newer value', async () => {
      let runs = 0;
      let rejectFirst!: (e: Error) => void;
      class Db {
        @lazy()
        get pool(): Promise<string> {
          runs++;
          if (runs === 1) return new Promise((_resolve, reject) => (rejectFirst = reject));
          return Promise.resolve(`pool#${runs}`);
        }
      }
      const db = new Db();
      const first = db.pool;
      control(db, 'pool').reset();
      const second = db.pool;
      rejectFirst(new Error('late'));
      await expect(first).rejects.toThrow('late');
      expect(db.pool).toBe(second);
      expect(runs).toBe(2);
    });
  });

  describe('functional form', () => {
    it('lazy(factory) returns a zero-argument function that computes once', () => {
      let runs = 0;
      const config = lazy(() => {
        runs++;
        return { env: 'prod' };
      });
      expect(config()).toBe(config());
      expect(config()).toEqual({ env: 'prod' });
      expect(runs).toBe(1);
      control(config).reset();
      config();
      expect(runs).toBe(2);
    });

    it('lazy(asyncFactory) forgets a rejection like the getter does', async () => {
      let runs = 0;
      const token = lazy(async () => {
        runs++;
        if (runs === 1) throw new Error('auth down');
        return 'tok';
      });
      await expect(token()).rejects.toThrow('auth down');
      await expect(token()).resolves.toBe('tok');
      await token();
      expect(runs).toBe(2);
    });

    it('keeps separate values for separate lazy(factory) wrappers', () => {
      let n = 0;
      const f = () => ++n;
      const a = lazy(f);
      const b = lazy(f);
      expect([a(), b(), a(), b()]).toEqual([1, 2, 1, 2]);
    });

    it('tells lazy() (the decorator) from lazy(fn) (the memoised function)', () => {
      const decorator = lazy();
      expect(typeof decorator).toBe('function');
      // The decorator itself, applied with one argument, is also the functional form.
      const once = (decorator as unknown as (fn: () => number) => () => number)(() => 42);
      expect(once()).toBe(42);
      expect(lazy(undefined as unknown as () => number)).toBe(decorator);
    });

    it('refuses a factory that is not a function, word for word', () => {
      expect(() => lazy(42 as unknown as () => number)).toThrow(
        new TypeError('lazy(factory): `factory` must be a function, got 42'),
      );
    });
  });

  it('also works written @lazy without parentheses (from JavaScript; TypeScript refuses it)', () => {
    let runs = 0;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const bare = lazy as (...args: any[]) => any;
    class Svc {
      @bare
      get v(): number {
        return ++runs;
      }
    }
    const s = new Svc();
    expect([s.v, s.v]).toEqual([1, 1]);
  });

  it('refuses methods at decoration time, word for word', () => {
    const where = LEGACY ? 'Svc.load' : 'load';
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const untyped = lazy() as (...args: any[]) => any;
    expect(() => {
      class Svc {
        @untyped
        load(): number {
          return 1;
        }
      }
      return Svc;
    }).toThrow(
      new TypeError(`@lazy on ${where}: applies to getters and functions, not to methods`),
    );
  });

  it('reports figures to its registry and publishes events', () => {
    const registry = createHotpath({ name: 'lazy-figures' });
    class Catalog {
      @lazy()
      get index(): Set<string> {
        return new Set(['a']);
      }
    }
    const c = bindHotpath(new Catalog(), registry);
    const events: HotpathEvent[] = [];
    const listener = (e: unknown): void => {
      if ((e as HotpathEvent).decorator === 'lazy') events.push(e as HotpathEvent);
    };
    subscribe('hotpath:event', listener);
    try {
      void c.index;
      void c.index;
      void c.index;
      control(c, 'index').reset();
      void c.index;
    } finally {
      unsubscribe('hotpath:event', listener);
    }
    expect(registry.stats().methods['Catalog.index']).toEqual({
      lazy: { computed: 2, hits: 2, rejected: 0, resets: 1 },
    });
    expect(control(c, 'index').stats()).toEqual({
      lazy: { computed: 2, hits: 2, rejected: 0, resets: 1, remembered: true },
    });
    expect(events).toEqual([
      { decorator: 'lazy', event: 'computed', method: 'Catalog.index', async: false },
      { decorator: 'lazy', event: 'reset', method: 'Catalog.index' },
      { decorator: 'lazy', event: 'computed', method: 'Catalog.index', async: false },
    ]);
  });

  it('answers E_NOT_APPLICABLE for operations @lazy does not support', () => {
    class Svc {
      @lazy()
      get v(): number {
        return 1;
      }
    }
    const s = new Svc();
    expect(() => control(s, 'v').cancel()).toThrow(
      expect.objectContaining({
        code: 'E_NOT_APPLICABLE',
        message:
          'control(Svc.v).cancel(): not applicable; its decorators (@lazy) do not support cancel()',
      }),
    );
  });
});
