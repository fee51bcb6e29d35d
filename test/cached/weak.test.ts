/**
 * `@cached({ weak: true })`: object results held through a `WeakRef`. What a process without a
 * GC can check runs here; collection itself runs in a child process with --expose-gc
 * (fixtures/weak.ts).
 */
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { cached, control, createHotpath, bindHotpath } from '../../src/index.js';
import { runFixture } from '../helpers/child-fixture.js';
import { LEGACY } from '../helpers/mode.js';

const FIXTURE = path.join(__dirname, 'fixtures', 'weak.ts');

describe('@cached({ weak: true })', () => {
  it('keeps an entry while its value is referenced and drops it once the last reference goes (--expose-gc)', async () => {
    const run = await runFixture(FIXTURE, [], { node: ['--expose-gc'] });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toEqual({
      // 'b' was dropped at once: its entry went; 'a' is held: a hit, the same object.
      whileHeld: { entries: 1, same: true, asyncEntries: 1, asyncSame: true, loads: 4 },
      afterDrop: { entries: 0, asyncEntries: 0 },
      recomputed: { loads: 6, misses: 3 },
    });
  }, 60_000);

  it('answers a hit with the same object (sync) or a new promise of it (async)', async () => {
    let loads = 0;
    class Svc {
      @cached({ weak: true })
      get(id: string): { id: string } {
        loads++;
        return { id };
      }
      @cached({ weak: true })
      async load(id: string): Promise<{ id: string }> {
        loads++;
        return { id };
      }
    }
    const svc = new Svc();
    const a = svc.get('a');
    expect(svc.get('a')).toBe(a);
    const p1 = svc.load('a');
    const b = await p1;
    const p2 = svc.load('a');
    expect(p2).not.toBe(p1);
    expect(await p2).toBe(b);
    expect(loads).toBe(2);
    expect(control(svc, 'get').stats()).toMatchObject({
      cached: { hits: 1, misses: 1, entries: 1 },
    });
    expect(control(svc, 'load').stats()).toMatchObject({
      cached: { hits: 1, misses: 1, entries: 1 },
    });
  });

  it('keeps each instance its own weak entries (two instances never share a value)', () => {
    const loads: string[] = [];
    class Svc {
      constructor(readonly name: string) {}
      @cached({ weak: true })
      get(id: string): { id: string; by: string } {
        loads.push(`${this.name}:${id}`);
        return { id, by: this.name };
      }
    }
    const one = new Svc('one');
    const two = new Svc('two');
    const a1 = one.get('a');
    const a2 = two.get('a');
    expect(a1).toEqual({ id: 'a', by: 'one' });
    expect(a2).toEqual({ id: 'a', by: 'two' });
    expect(one.get('a')).toBe(a1);
    expect(two.get('a')).toBe(a2);
    expect(loads).toEqual(['one:a', 'two:a']);
    control(one, 'get').clear();
    expect(two.get('a')).toBe(a2);
    expect(one.get('a')).not.toBe(a1);
    expect(loads).toEqual(['one:a', 'two:a', 'one:a']);
  });

  it('holds primitive results strongly, and invalidates and clears like any entry', async () => {
    let loads = 0;
    class Svc {
      @cached({ weak: true, scope: 'shared' })
      count(id: string): number {
        loads++;
        return id.length;
      }
    }
    const svc = bindHotpath(new Svc(), createHotpath());
    expect(svc.count('abc')).toBe(3);
    expect(svc.count('abc')).toBe(3);
    expect(loads).toBe(1);
    await control(svc, 'count').invalidate('abc');
    expect(svc.count('abc')).toBe(3);
    expect(loads).toBe(2);
  });

  it('works on a wrapped function', () => {
    const make = cached({ weak: true })((id: string) => ({ id }));
    expect(make('x')).toBe(make('x'));
  });

  describe('configuration errors', () => {
    const where = LEGACY ? 'Svc.get' : 'get';
    const define = (options: unknown): void => {
      class Svc {
        @cached(options as never)
        async get(): Promise<object> {
          return {};
        }
      }
      void Svc;
    };

    it.each([
      [
        { weak: true, store: 'redis' },
        '`weak` cannot be combined with `store`: a shared store holds encoded copies, never the objects themselves; drop one of them',
      ],
      [
        { weak: true, ttl: '1m', staleWhileRevalidate: '1m' },
        '`weak` cannot be combined with `staleWhileRevalidate`: a weakly held value may be gone when it would be served stale',
      ],
      [
        { weak: true, ttl: '1m', staleIfError: '1m' },
        '`weak` cannot be combined with `staleIfError`: a weakly held value may be gone when it would be served stale',
      ],
      [{ weak: 'yes' }, "`weak` must be a boolean, got 'yes'"],
    ])('rejects %j at decoration time', (options, message) => {
      expect(() => define(options)).toThrow(new TypeError(`@cached on ${where}: ${message}`));
    });
  });
});
