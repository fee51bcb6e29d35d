/**
 * Compile-time tests (type-checked in both decorator modes by `npm run typecheck`): with
 * `store`, `@cached` accepts only methods returning a promise; without, any method.
 */
import { describe, expect, it } from '@jest/globals';
import { cached, invalidates } from '../../src/index.js';

class Fine {
  @cached({ ttl: '1m' })
  square(n: number): number {
    return n * n;
  }

  @cached({ store: 'redis', ttl: '1m' })
  async load(id: string): Promise<string> {
    return id;
  }

  @invalidates({ tags: (_r: void, id: string) => [`x:${id}`] })
  save(id: string): void {
    void id;
  }
}

class Misused {
  // @ts-expect-error a shared store needs a method that returns a promise
  @cached({ store: 'redis' })
  count(): number {
    return 1;
  }
}

describe('@cached types', () => {
  it('keeps the decorated method types', () => {
    const fine = new Fine();
    const n: number = fine.square(3);
    expect(n).toBe(9);
    expect(typeof Misused).toBe('function');
    // @ts-expect-error `ttl` is a duration, not a boolean
    expect(() => cached({ ttl: true })).not.toThrow();
  });
});
