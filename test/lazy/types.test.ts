/**
 * Compile-time tests for `@lazy`: `npm run typecheck` compiles this file in both decorator
 * modes, and every `@ts-expect-error` must meet an error there. At run time it checks that
 * the correct uses work and keep their types.
 */
import { describe, expect, it } from '@jest/globals';
import { lazy } from '../../src/index.js';

class Fine {
  @lazy()
  get port(): number {
    return 8080;
  }

  @lazy()
  get pool(): Promise<string> {
    return Promise.resolve('pool');
  }

  @lazy()
  static get shared(): string[] {
    return ['a'];
  }
}

/** Never called at module load: @lazy on a method also throws at decoration time. */
function defineMisused(): unknown {
  class Misused {
    // @ts-expect-error @lazy on a method
    @lazy()
    load(): number {
      return 1;
    }

    // @ts-expect-error @lazy on a static async method
    @lazy()
    static async fetch(): Promise<number> {
      return 1;
    }
  }
  return Misused;
}

describe('@lazy types', () => {
  it('keeps getter types and types the functional form as a thunk', async () => {
    const fine = new Fine();
    const port: number = fine.port;
    const pool: Promise<string> = fine.pool;
    const shared: string[] = Fine.shared;
    expect([port, await pool, shared]).toEqual([8080, 'pool', ['a']]);
    const thunk: () => Date = lazy(() => new Date(0));
    expect(thunk().getTime()).toBe(0);
    // @ts-expect-error the thunk takes no arguments
    thunk(1);
    // @ts-expect-error a factory must be a function
    expect(() => lazy(42)).toThrow(TypeError);
    expect(defineMisused).toThrow(TypeError);
  });
});
