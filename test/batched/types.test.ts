/**
 * Compile-time tests for `@batched`: `npx tsc -p tsconfig.tc39.json` and
 * `npx tsc -p tsconfig.legacy.json` compile this file, and every `@ts-expect-error` must meet
 * an error in both modes. At run time it checks that the correct uses work.
 */
import { describe, expect, it } from '@jest/globals';
import { batched } from '../../src/index.js';

interface User {
  id: number;
  name: string;
}

class Fine {
  @batched({ maxBatchSize: 100 })
  async byIds(ids: number[]): Promise<(User | Error)[]> {
    return ids.map((id) => ({ id, name: `u${id}` }));
  }

  @batched({ maxWait: '20ms' })
  async write(_entries: string[], _table: string): Promise<void> {}

  @batched({ itemKey: (u: User) => u.id })
  async save(users: User[]): Promise<boolean[]> {
    return users.map(() => true);
  }
}

// Compile-time only (never run): each `@ts-expect-error` in it must meet an error.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
class Misused {
  // @ts-expect-error the first parameter is not an array
  @batched()
  async byId(id: number): Promise<User[]> {
    return [{ id, name: '' }];
  }

  // @ts-expect-error the result is a promise of a number, not of an array
  @batched()
  async count(ids: number[]): Promise<number> {
    return ids.length;
  }

  // @ts-expect-error the result is not a promise
  @batched()
  sync(ids: number[]): number[] {
    return ids;
  }

  // @ts-expect-error itemKey takes users, the method takes strings
  @batched({ itemKey: (u: User) => u.id })
  async names(ids: string[]): Promise<string[]> {
    return ids;
  }
}

describe('@batched types', () => {
  it('accepts correct uses and keeps the method types', async () => {
    const fine = new Fine();
    const users: Promise<(User | Error)[]> = fine.byIds([1]);
    expect(await users).toEqual([{ id: 1, name: 'u1' }]);
    const done: Promise<void> = fine.write(['x'], 'audit');
    expect(await done).toBeUndefined();
    expect(await fine.save([{ id: 1, name: 'a' }])).toEqual([true]);
    const load: (ids: string[]) => Promise<number[]> = batched()(async (ids: string[]) =>
      ids.map((id) => id.length),
    );
    expect(await load(['abc'])).toEqual([3]);
    // @ts-expect-error the functional form keeps the constraint: a single id is not an array
    batched()(async (id: string) => [id]);
  });
});
