/**
 * Compile-time tests: `tsc -p tsconfig.tc39.json` and `tsc -p tsconfig.legacy.json` compile this
 * file, and every `@ts-expect-error` must meet an error in both decorator modes.
 */
import { describe, expect, it } from '@jest/globals';
import { rateLimit } from '../../src/index.js';

class Fine {
  @rateLimit({ limit: 1 })
  async load(id: string): Promise<string> {
    return id;
  }
}

// Compile-time only (never run): each `@ts-expect-error` in it must meet an error.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
class Misused {
  // @ts-expect-error @rateLimit on a method that does not return a Promise
  @rateLimit({ limit: 1 })
  count(): number {
    return 1;
  }

  // @ts-expect-error @rateLimit on a method returning void
  @rateLimit({ maxConcurrent: 1 })
  fire(): void {}
}

describe('@rateLimit types', () => {
  it('accepts promise-returning methods and functions, and keeps their types', async () => {
    const id: Promise<string> = new Fine().load('x');
    expect(await id).toBe('x');
    const wrapped: (n: number) => Promise<number> = rateLimit({ limit: 1 })(async (n: number) => n);
    expect(await wrapped(2)).toBe(2);
    // @ts-expect-error the functional form keeps the constraint too
    rateLimit({ limit: 1 })((n: number) => n);
  });
});
