/**
 * `lazyRecord(factories)`: properties computed on first access, async-aware like `@lazy`,
 * `reset(key)`; and deferring a module import with `lazy(() => import(...))`, checked in a
 * child process (real ESM, fixtures/lazy-import.ts).
 */
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { lazyRecord } from '../../src/index.js';
import { runFixture } from '../helpers/child-fixture.js';
import { flushMicrotasks } from '../helpers/time.js';

describe('lazyRecord', () => {
  it('computes each property on its first access, once', () => {
    const runs: string[] = [];
    const record = lazyRecord({
      db: () => (runs.push('db'), { url: 'pg://x' }),
      api: () => (runs.push('api'), undefined),
    });
    expect(runs).toEqual([]);
    const db = record.db;
    expect(record.db).toBe(db);
    expect(runs).toEqual(['db']);
    expect(record.api).toBeUndefined();
    expect(record.api).toBeUndefined();
    expect(runs).toEqual(['db', 'api']);
    expect(Object.keys(record)).toEqual(['db', 'api']);
  });

  it('reset(key) forgets one value and reset() all of them', () => {
    let n = 0;
    const record = lazyRecord({ a: () => ++n, b: () => ++n });
    expect([record.a, record.b]).toEqual([1, 2]);
    record.reset('a');
    expect([record.a, record.b]).toEqual([3, 2]);
    record.reset();
    expect([record.a, record.b]).toEqual([4, 5]);
  });

  it('shares a pending promise and forgets a rejected one', async () => {
    let attempts = 0;
    const record = lazyRecord({
      conn: async () => {
        attempts++;
        if (attempts === 1) throw new Error('refused');
        return 'connected';
      },
    });
    const first = record.conn;
    expect(record.conn).toBe(first);
    await expect(first).rejects.toThrow('refused');
    await flushMicrotasks();
    await expect(record.conn).resolves.toBe('connected');
    expect(await record.conn).toBe('connected');
    expect(attempts).toBe(2);
  });

  it('remembers nothing when a factory throws', () => {
    let attempts = 0;
    const record = lazyRecord({
      x: () => {
        if (++attempts === 1) throw new Error('not yet');
        return 'ok';
      },
    });
    expect(() => record.x).toThrow('not yet');
    expect(record.x).toBe('ok');
  });

  it('refuses bad factories and keys in the house form', () => {
    expect(() => lazyRecord({ reset: () => 1 })).toThrow(
      new TypeError(
        "lazyRecord: a property cannot be named `reset`: it is the record's own `reset(key)`",
      ),
    );
    expect(() => lazyRecord({ db: 1 } as never)).toThrow(
      new TypeError('lazyRecord: `db` must be a function, got 1'),
    );
    expect(() => lazyRecord(null as never)).toThrow(
      new TypeError('lazyRecord: `factories` must be an object of functions, got null'),
    );
    const record = lazyRecord({ a: () => 1 });
    expect(() => record.reset('b' as never)).toThrow(
      new TypeError(
        'lazyRecord: reset(key): "b" is not a property of this record (its properties: "a")',
      ),
    );
  });
});

describe('lazy(() => import(...))', () => {
  it('evaluates the module on the first call, once, and not before', async () => {
    const run = await runFixture(path.join(__dirname, 'fixtures', 'lazy-import.ts'));
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toEqual({
      before: 0,
      afterFirst: 1,
      same: true,
      parsed: ['x', 'y'],
      viaRecord: ['z'],
      total: 1,
    });
  }, 60_000);
});
