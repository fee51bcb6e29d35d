/**
 * graphql/dataloader's batching test cases (src/__tests__/dataloader.test.js and
 * abuse.test.js), re-expressed for `@batched`. Where `@batched` deliberately differs from
 * DataLoader (it has no cache across batches, it dedupes object items by structure, an
 * `Error` element rejects the caller instead of being returned by `loadMany`), the test says so
 * in its name.
 */
import { describe, expect, it } from '@jest/globals';
import { BatchError, batched } from '../../src/index.js';

/** An identity "loader": records every body call. */
function identityRepo<T>(options?: Parameters<typeof batched<T>>[0]) {
  const loadCalls: T[][] = [];
  class IdentityRepo {
    @batched<T>(options)
    async load(keys: T[]): Promise<T[]> {
      loadCalls.push([...keys]);
      return keys;
    }
  }
  return [new IdentityRepo(), loadCalls] as const;
}

describe('Primary API (DataLoader cases)', () => {
  it('builds a really really simple batched method', async () => {
    const [repo] = identityRepo<number>();
    const promise1 = repo.load([1]);
    expect(promise1).toBeInstanceOf(Promise);
    expect(await promise1).toEqual([1]);
  });

  it('references the instance as "this" in the body', async () => {
    let that: unknown;
    class Repo {
      @batched()
      async load(keys: number[]): Promise<number[]> {
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        that = this;
        return keys;
      }
    }
    const repo = new Repo();
    await repo.load([1]);
    expect(that).toBe(repo);
  });

  it('supports loading multiple keys in one call, and none', async () => {
    const [repo, loadCalls] = identityRepo<number>();
    expect(await repo.load([1, 2])).toEqual([1, 2]);
    const empty = repo.load([]);
    expect(empty).toBeInstanceOf(Promise);
    expect(await empty).toEqual([]);
    expect(loadCalls).toEqual([[1, 2]]);
  });

  it('rejects a multi-key caller with the Error element of its slice (DataLoader loadMany returns it inline)', async () => {
    class Repo {
      @batched()
      async load(keys: string[]): Promise<(string | Error)[]> {
        return keys.map((key) => (key === 'bad' ? new Error('Bad Key') : key));
      }
    }
    const repo = new Repo();
    const all = repo.load(['a', 'b', 'bad']);
    const good = repo.load(['a', 'b']);
    await expect(all).rejects.toThrow('Bad Key');
    expect(await good).toEqual(['a', 'b']);
  });

  it('batches multiple requests', async () => {
    const [repo, loadCalls] = identityRepo<number>();
    const [value1, value2] = await Promise.all([repo.load([1]), repo.load([2])]);
    expect(value1).toEqual([1]);
    expect(value2).toEqual([2]);
    expect(loadCalls).toEqual([[1, 2]]);
  });

  it('batches multiple requests with max batch sizes', async () => {
    const [repo, loadCalls] = identityRepo<number>({ maxBatchSize: 2 });
    const values = await Promise.all([repo.load([1]), repo.load([2]), repo.load([3])]);
    expect(values).toEqual([[1], [2], [3]]);
    expect(loadCalls).toEqual([[1, 2], [3]]);
  });

  it('applies maxBatchSize correctly with duplicate keys (tick scheduling)', async () => {
    const [repo, loadCalls] = identityRepo<string>({ maxBatchSize: 3 });
    const values = ['a', 'b', 'a', 'a', 'a', 'b', 'c'];
    const results = await Promise.all(values.map((value) => repo.load([value])));
    expect(results).toEqual(values.map((v) => [v]));
    expect(loadCalls).toEqual([['a', 'b', 'c']]);
  });

  it('applies maxBatchSize correctly with duplicate keys (maxWait scheduling)', async () => {
    const [repo, loadCalls] = identityRepo<string>({ maxBatchSize: 3, maxWait: 100 });
    const values = ['a', 'b', 'a', 'a', 'a', 'b', 'c'];
    const results = await Promise.all(values.map((value) => repo.load([value])));
    expect(results).toEqual(values.map((v) => [v]));
    expect(loadCalls).toEqual([['a', 'b', 'c']]);
  });

  it('coalesces identical requests', async () => {
    const [repo, loadCalls] = identityRepo<number>();
    const [a, b] = await Promise.all([repo.load([1]), repo.load([1])]);
    expect(a).toEqual([1]);
    expect(b).toEqual([1]);
    expect(loadCalls).toEqual([[1]]);
  });

  it('dedupes within a batch only: a key of a later sized batch reaches the body again (DataLoader caches it)', async () => {
    const [repo, loadCalls] = identityRepo<number>({ maxBatchSize: 2 });
    const values = await Promise.all([
      repo.load([1]),
      repo.load([2]),
      repo.load([1]),
      repo.load([3]),
    ]);
    expect(values).toEqual([[1], [2], [1], [3]]);
    expect(loadCalls).toEqual([
      [1, 2],
      [1, 3],
    ]);
  });

  it('does not cache across ticks: every tick is a new batch', async () => {
    const [repo, loadCalls] = identityRepo<string>();
    await Promise.all([repo.load(['A']), repo.load(['B'])]);
    await Promise.all([repo.load(['A']), repo.load(['C'])]);
    expect(loadCalls).toEqual([
      ['A', 'B'],
      ['A', 'C'],
    ]);
  });

  it('keeps keys repeated in the batch with dedupe off', async () => {
    const [repo, loadCalls] = identityRepo<string>({ dedupe: false });
    const [a, c, d, many] = await Promise.all([
      repo.load(['A']),
      repo.load(['C']),
      repo.load(['D']),
      repo.load(['C', 'D', 'A', 'A', 'B']),
    ]);
    expect([a, c, d]).toEqual([['A'], ['C'], ['D']]);
    expect(many).toEqual(['C', 'D', 'A', 'A', 'B']);
    expect(loadCalls).toEqual([['A', 'C', 'D', 'C', 'D', 'A', 'A', 'B']]);
  });
});

describe('Represents Errors (DataLoader cases)', () => {
  function evenRepo() {
    const loadCalls: number[][] = [];
    class EvenRepo {
      @batched()
      async load(keys: number[]): Promise<(number | Error)[]> {
        loadCalls.push([...keys]);
        return keys.map((key) => (key % 2 === 0 ? key : new Error(`Odd: ${key}`)));
      }
    }
    return [new EvenRepo(), loadCalls] as const;
  }

  it('rejects the caller of an Error element; later ticks are new batches', async () => {
    const [repo, loadCalls] = evenRepo();
    const caught = await repo.load([1]).catch((error: unknown) => error);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toBe('Odd: 1');
    expect(await repo.load([2])).toEqual([2]);
    expect(loadCalls).toEqual([[1], [2]]);
  });

  it('can represent failures and successes simultaneously', async () => {
    const [repo, loadCalls] = evenRepo();
    const promise1 = repo.load([1]);
    const promise2 = repo.load([2]);
    await expect(promise1).rejects.toThrow('Odd: 1');
    expect(await promise2).toEqual([2]);
    expect(loadCalls).toEqual([[1, 2]]);
  });

  it('propagates a rejecting body to all callers, with the same error instance', async () => {
    const loadCalls: number[][] = [];
    class FailRepo {
      @batched()
      async load(keys: number[]): Promise<number[]> {
        loadCalls.push([...keys]);
        throw new Error('I am a terrible loader');
      }
    }
    const repo = new FailRepo();
    const promise1 = repo.load([1]);
    const promise2 = repo.load([2]);
    const caughtA = await promise1.catch((error: unknown) => error);
    const caughtB = await promise2.catch((error: unknown) => error);
    expect(caughtA).toBeInstanceOf(Error);
    expect((caughtA as Error).message).toBe('I am a terrible loader');
    expect(caughtB).toBe(caughtA);
    expect(loadCalls).toEqual([[1, 2]]);
  });

  it('propagates a body that throws synchronously to all callers, with the same error instance', async () => {
    const boom = new Error('sync boom');
    class SyncFail {
      @batched()
      load(_keys: number[]): Promise<number[]> {
        throw boom;
      }
    }
    const repo = new SyncFail();
    const results = await Promise.allSettled([repo.load([1]), repo.load([2, 3])]);
    expect(results).toEqual([
      { status: 'rejected', reason: boom },
      { status: 'rejected', reason: boom },
    ]);
  });
});

describe('Accepts any kind of key (DataLoader cases)', () => {
  it('accepts objects as keys; equal objects are deduped by structure (DataLoader compares identity)', async () => {
    const [repo, loadCalls] = identityRepo<object>();
    const keyA = { id: 1 };
    const keyB = { id: 2 };
    const keyA2 = { id: 1 };
    const [valueA, valueB, valueA2] = await Promise.all([
      repo.load([keyA]),
      repo.load([keyB]),
      repo.load([keyA2]),
    ]);
    expect(valueA[0]).toBe(keyA);
    expect(valueB[0]).toBe(keyB);
    expect(valueA2[0]).toBe(keyA);
    expect(loadCalls).toHaveLength(1);
    expect(loadCalls[0]).toHaveLength(2);
    expect(loadCalls[0]![0]).toBe(keyA);
    expect(loadCalls[0]![1]).toBe(keyB);
  });

  it('never confuses a string item with an object whose key reads the same', async () => {
    const [repo, loadCalls] = identityRepo<unknown>();
    const [s, o] = await Promise.all([repo.load(['{"a":1}']), repo.load([{ a: 1 }])]);
    expect(s).toEqual(['{"a":1}']);
    expect(o).toEqual([{ a: 1 }]);
    expect(loadCalls[0]).toHaveLength(2);
  });

  describe('accepts a custom key (itemKey, DataLoader cacheKeyFn)', () => {
    const cacheKey = (key: Record<string, number>): string =>
      Object.keys(key)
        .sort()
        .map((k) => `${k}:${key[k]}`)
        .join();

    it('accepts objects with a complex key', async () => {
      const [repo, loadCalls] = identityRepo<Record<string, number>>({ itemKey: cacheKey });
      const key1 = { id: 123 };
      const key2 = { id: 123 };
      const [value1, value2] = await Promise.all([repo.load([key1]), repo.load([key2])]);
      expect(loadCalls).toEqual([[key1]]);
      expect(value1[0]).toBe(key1);
      expect(value2[0]).toBe(key1);
    });

    it('accepts objects with different order of keys', async () => {
      const [repo, loadCalls] = identityRepo<Record<string, number>>({ itemKey: cacheKey });
      const keyA = { a: 123, b: 321 };
      const keyB = { b: 321, a: 123 };
      const [valueA, valueB] = await Promise.all([repo.load([keyA]), repo.load([keyB])]);
      expect(valueA[0]).toBe(keyA);
      expect(valueB[0]).toBe(keyA);
      expect(loadCalls).toHaveLength(1);
      expect(loadCalls[0]).toHaveLength(1);
      expect(loadCalls[0]![0]).toBe(keyA);
    });

    it('keys by an id field: different objects with one id reach the body once', async () => {
      const [repo, loadCalls] = identityRepo<{ id: number; seen: string }>({
        itemKey: (u) => u.id,
      });
      const [a, b] = await Promise.all([
        repo.load([{ id: 7, seen: 'first' }]),
        repo.load([{ id: 7, seen: 'second' }]),
      ]);
      expect(loadCalls).toEqual([[{ id: 7, seen: 'first' }]]);
      expect(a).toEqual([{ id: 7, seen: 'first' }]);
      expect(b).toEqual([{ id: 7, seen: 'first' }]);
    });
  });
});

describe('It is resilient to job queue ordering (DataLoader cases)', () => {
  it('batches loads occurring within promises', async () => {
    const [repo, loadCalls] = identityRepo<string>();
    const later: Promise<unknown>[] = [];
    await Promise.all([
      repo.load(['A']),
      Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => {
          later.push(repo.load(['B']));
          return Promise.resolve()
            .then(() => Promise.resolve())
            .then(() => {
              later.push(repo.load(['C']));
              return Promise.resolve()
                .then(() => Promise.resolve())
                .then(() => {
                  later.push(repo.load(['D']));
                });
            });
        }),
    ]);
    await Promise.all(later);
    expect(loadCalls).toEqual([['A', 'B', 'C', 'D']]);
  });

  it('starts a new batch for calls made after an I/O turn (setImmediate)', async () => {
    const [repo, loadCalls] = identityRepo<string>();
    const first = repo.load(['A']);
    await new Promise((resolve) => setImmediate(resolve));
    const second = repo.load(['B']);
    expect(await first).toEqual(['A']);
    expect(await second).toEqual(['B']);
    expect(loadCalls).toEqual([['A'], ['B']]);
  });

  it('can call a batched method from a batched method', async () => {
    const deepLoadCalls: string[][][] = [];
    class Deep {
      @batched()
      async load(keys: string[][]): Promise<string[][]> {
        deepLoadCalls.push(keys.map((k) => [...k]));
        return keys;
      }
    }
    const deep = new Deep();
    const aLoadCalls: string[][] = [];
    const bLoadCalls: string[][] = [];
    class A {
      @batched()
      async load(keys: string[]): Promise<string[]> {
        aLoadCalls.push([...keys]);
        return (await deep.load([keys]))[0]!;
      }
    }
    class B {
      @batched()
      async load(keys: string[]): Promise<string[]> {
        bLoadCalls.push([...keys]);
        return (await deep.load([keys]))[0]!;
      }
    }
    const a = new A();
    const b = new B();
    const [a1, b1, a2, b2] = await Promise.all([
      a.load(['A1']),
      b.load(['B1']),
      a.load(['A2']),
      b.load(['B2']),
    ]);
    expect([a1, b1, a2, b2]).toEqual([['A1'], ['B1'], ['A2'], ['B2']]);
    expect(aLoadCalls).toEqual([['A1', 'A2']]);
    expect(bLoadCalls).toEqual([['B1', 'B2']]);
    expect(deepLoadCalls).toEqual([
      [
        ['A1', 'A2'],
        ['B1', 'B2'],
      ],
    ]);
  });
});

describe('Provides descriptive error messages for API abuse (DataLoader abuse cases)', () => {
  it('rejects when the body resolves to null, naming the method and the expected length', async () => {
    class BadRepo {
      @batched()
      async load(_keys: number[]): Promise<number[]> {
        return null as unknown as number[];
      }
    }
    const error = await new BadRepo().load([1]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchError);
    expect(error).toMatchObject({ code: 'E_BATCH_CONTRACT', method: 'BadRepo.load', expected: 1 });
    expect((error as BatchError).received).toBeUndefined();
    expect((error as Error).message).toBe(
      '@batched on BadRepo.load: the body must return an array of 1 result (one per item, in order) or nothing (for a write-behind batch), got null',
    );
  });

  it('rejects when the body returns a plain value instead of a promise of an array', async () => {
    class BadRepo {
      @batched()
      load(keys: number[]): Promise<number[]> {
        return keys.length as unknown as Promise<number[]>;
      }
    }
    const repo = new BadRepo();
    const results = await Promise.allSettled([repo.load([1]), repo.load([2])]);
    expect(results.map((r) => (r as PromiseRejectedResult).reason.message)).toEqual([
      '@batched on BadRepo.load: the body must return an array of 2 results (one per item, in order) or nothing (for a write-behind batch), got 2',
      '@batched on BadRepo.load: the body must return an array of 2 results (one per item, in order) or nothing (for a write-behind batch), got 2',
    ]);
  });

  it('rejects every caller when the body promises an array of the wrong length, naming both lengths', async () => {
    class BadRepo {
      @batched()
      async load(_keys: number[]): Promise<number[]> {
        return [];
      }
    }
    const repo = new BadRepo();
    const results = await Promise.allSettled([repo.load([1]), repo.load([2, 3])]);
    const reasons = results.map((r) => (r as PromiseRejectedResult).reason as BatchError);
    expect(reasons[0]).toBe(reasons[1]);
    expect(reasons[0]).toBeInstanceOf(BatchError);
    expect(reasons[0]).toMatchObject({ code: 'E_BATCH_CONTRACT', expected: 3, received: 0 });
    expect(reasons[0]!.message).toBe(
      '@batched on BadRepo.load: the body returned 0 results for 3 items; it must return one result per item, in order (or nothing, for a write-behind batch)',
    );
  });

  it('rejects a first argument that is not an array', async () => {
    const [repo] = identityRepo<number>();
    await expect(repo.load(1 as unknown as number[])).rejects.toThrow(
      new TypeError(
        '@batched on IdentityRepo.load: the first argument must be an array of items, got 1',
      ),
    );
  });
});
