/**
 * `hotpath/extend`: a decorator written with it alone works like a built-in one (per-instance
 * state, `control()`, events, both decorator modes), and sees sites as read-only descriptions.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  PerOwner,
  argumentKey,
  createDecorator,
  publishEvent,
  valueKey,
  type HotpathEvent,
  type Layer,
  type SiteInfo,
} from '../src/extend.js';
import { HotpathError, control } from '../src/index.js';
import { countCalls } from '../playground/lib/count-calls.js';
import { LEGACY } from './helpers/mode.js';

/** A decorator that records every description of its site it is handed. */
function recording(seen: SiteInfo[]) {
  return createDecorator({
    name: 'recording',
    targets: ['method', 'getter', 'function'],
    layer(): Layer {
      return {
        decorator: 'recording',
        wrap: (inner, site) => {
          seen.push(site);
          return (call) => {
            seen.push(call.site);
            return inner(call);
          };
        },
        control: {
          stats: (ctx) => {
            seen.push(ctx.site);
            return {};
          },
        },
      };
    },
  });
}

describe('hotpath/extend', () => {
  it('describes the site to the layer, the call and control(): class, name, kind, static, promise', async () => {
    const seen: SiteInfo[] = [];
    class Orders {
      @recording(seen)
      async total(id: number): Promise<number> {
        return id;
      }

      @recording(seen)
      static count(): number {
        return 0;
      }
    }
    const orders = new Orders();
    await orders.total(1);
    control(orders, 'total').stats();
    Orders.count();
    const infoOf = (s: SiteInfo) => ({
      kind: s.kind,
      method: s.method,
      className: s.className,
      name: s.name,
      isStatic: s.isStatic,
      returnsPromise: s.returnsPromise,
    });
    expect(seen.map(infoOf)).toEqual([
      ...Array(3).fill({
        kind: 'method',
        method: 'total',
        className: 'Orders',
        name: 'Orders.total',
        isStatic: false,
        returnsPromise: true,
      }),
      ...Array(2).fill({
        kind: 'method',
        method: 'count',
        className: 'Orders',
        name: 'Orders.count',
        isStatic: true,
        returnsPromise: false,
      }),
    ]);
    // The layer, the call and control() all see one description per method.
    expect(new Set(seen).size).toBe(2);
  });

  it('describes a wrapped function without a class', () => {
    const seen: SiteInfo[] = [];
    const double = recording(seen)(function double(n: number) {
      return n * 2;
    });
    expect(double(2)).toBe(4);
    expect(seen[0]).toMatchObject({ kind: 'function', className: '', name: 'double' });
  });

  it('runs the README sample: counts per instance and argument list, stats() and clear()', async () => {
    class Search {
      @countCalls(2)
      find(query: string, page = 1): string {
        return `${query} (page ${page})`;
      }
    }
    const events: HotpathEvent[] = [];
    const listen = (event: unknown) => events.push(event as HotpathEvent);
    subscribe('hotpath:event', listen);
    const search = new Search();
    try {
      search.find('tea');
      search.find('tea');
      search.find('tea', 2);
      search.find('coffee');
    } finally {
      unsubscribe('hotpath:event', listen);
    }
    expect(control(search, 'find').stats()).toEqual({
      countCalls: {
        top: [
          ["'tea", 2],
          ['["tea",2]', 1],
        ],
      },
    });
    expect(control(new Search(), 'find').stats()).toEqual({ countCalls: { top: [] } });
    expect(events.filter((e) => e.decorator === 'countCalls')).toEqual([
      { decorator: 'countCalls', event: 'call', method: 'Search.find', key: "'tea" },
      { decorator: 'countCalls', event: 'call', method: 'Search.find', key: "'tea" },
      { decorator: 'countCalls', event: 'call', method: 'Search.find', key: '["tea",2]' },
      { decorator: 'countCalls', event: 'call', method: 'Search.find', key: "'coffee" },
    ]);
    await control(search, 'find').clear();
    expect(control(search, 'find').stats()).toEqual({ countCalls: { top: [] } });
  });

  it('is the sample the README shows, word for word', () => {
    const root = path.resolve(__dirname, '..');
    const lib = readFileSync(path.join(root, 'playground/lib/count-calls.ts'), 'utf8');
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const body = lib.slice(lib.indexOf('/** Counts calls'));
    expect(body.length).toBeGreaterThan(500);
    expect(readme).toContain(body);
  });

  it('refuses bad options of a custom decorator at class definition', () => {
    expect(() => {
      class Search {
        @countCalls(0)
        find(query: string): string {
          return query;
        }
      }
      return Search;
    }).toThrow(
      new TypeError(
        `@countCalls on ${LEGACY ? 'Search.find' : 'find'}: \`top\` must be a positive integer, got 0`,
      ),
    );
  });

  it('keys like @cached, and refuses what it cannot key with E_UNKEYABLE naming the method', () => {
    expect(argumentKey(['tea', 2, undefined], 'Search.find')).toBe('["tea",2]');
    expect(valueKey({ b: 2, a: 1 }, 'Search.find')).toBe(valueKey({ a: 1, b: 2 }, 'Search.find'));
    let error: unknown;
    try {
      argumentKey([() => 1], 'Search.find');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HotpathError);
    expect((error as HotpathError).code).toBe('E_UNKEYABLE');
    expect((error as HotpathError).message).toBe(
      'Search.find: cannot build a key from an argument that is a function (anonymous); pass a `key` option that returns a string or number',
    );
  });

  it('PerOwner makes state on first use, per owner, and forgets it on delete', () => {
    let made = 0;
    const state = new PerOwner((owner) => ({ owner, n: ++made }));
    const a = {};
    const b = {};
    expect(state.peek(a)).toBeUndefined();
    expect(state.get(a)).toEqual({ owner: a, n: 1 });
    expect(state.get(a)).toBe(state.get(a));
    expect(state.get(b).n).toBe(2);
    state.delete(a);
    expect(state.peek(a)).toBeUndefined();
    expect(state.get(a).n).toBe(3);
  });

  it('publishes nothing without a subscriber, and builds a costly detail only with one', () => {
    const site = { name: 'Search.find' } as SiteInfo;
    let built = 0;
    const detail = () => ({ n: ++built });
    publishEvent('countCalls', 'call', site, detail);
    expect(built).toBe(0);
    const events: unknown[] = [];
    const listen = (event: unknown) => events.push(event);
    subscribe('hotpath:event', listen);
    try {
      publishEvent('countCalls', 'call', site, detail);
    } finally {
      unsubscribe('hotpath:event', listen);
    }
    expect(built).toBe(1);
    expect(events).toEqual([
      { decorator: 'countCalls', event: 'call', method: 'Search.find', n: 1 },
    ]);
  });

  it('types a site description as read-only', () => {
    const rename = (site: SiteInfo): void => {
      // @ts-expect-error a site description is read-only
      site.name = 'Other.name';
    };
    expect(typeof rename).toBe('function');
  });
});
