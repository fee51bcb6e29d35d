/** `objectPool()`: synchronous reuse of objects, reset and validated, with a bound on idle ones. */
import { describe, expect, it } from '@jest/globals';
import { objectPool } from '../../src/index.js';

class Scratch {
  readonly values: number[] = [];
  broken = false;
}

describe('objectPool()', () => {
  it('hands back the object given back last, reset, instead of making a new one', () => {
    let made = 0;
    const scratch = objectPool({
      create: () => {
        made++;
        return new Scratch();
      },
      reset: (s) => (s.values.length = 0),
    });
    const a = scratch.acquire();
    a.values.push(1, 2, 3);
    scratch.release(a);
    const b = scratch.acquire();
    expect(b).toBe(a);
    expect(b.values).toEqual([]);
    expect(made).toBe(1);
    expect(scratch.stats()).toEqual({
      maxIdle: 64,
      idle: 0,
      inUse: 1,
      created: 1,
      acquired: 2,
      reused: 1,
      reuseRate: 0.5,
      dropped: 0,
    });
  });

  it('keeps at most maxIdle objects and drops those validate refuses', () => {
    const scratch = objectPool({
      create: () => new Scratch(),
      validate: (s) => !s.broken,
      maxIdle: 2,
    });
    const [a, b, c, d] = [
      scratch.acquire(),
      scratch.acquire(),
      scratch.acquire(),
      scratch.acquire(),
    ];
    d.broken = true;
    scratch.release(d);
    scratch.release(a);
    scratch.release(b);
    scratch.release(c);
    expect(scratch.stats()).toMatchObject({ idle: 2, dropped: 2, inUse: 0 });
    expect([scratch.acquire(), scratch.acquire()]).toEqual([b, a]);
  });

  it('use() gives the object back when fn returns, throws, or its promise settles', async () => {
    const scratch = objectPool({ create: () => new Scratch() });
    expect(scratch.use((s) => s.values.length)).toBe(0);
    expect(() =>
      scratch.use(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    await expect(scratch.use(async () => 'later')).resolves.toBe('later');
    await expect(scratch.use(() => Promise.reject(new Error('async boom')))).rejects.toThrow(
      'async boom',
    );
    expect(scratch.stats()).toMatchObject({ idle: 1, inUse: 0, created: 1, acquired: 4 });
  });

  it('refuses an object given back twice (it would be lent to two callers)', () => {
    const scratch = objectPool({ create: () => new Scratch(), name: 'scratch' });
    const a = scratch.acquire();
    scratch.release(a);
    expect(() => scratch.release(a)).toThrow(
      new TypeError(
        "objectPool 'scratch': release() got Scratch { values: [], broken: false }, which is idle already (given back twice?)",
      ),
    );
  });
});
