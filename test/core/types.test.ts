/**
 * Compile-time tests: `npm run typecheck` compiles this file in both decorator modes, and
 * every `@ts-expect-error` must meet an error there. At run time it only checks that the
 * correct uses work.
 */
import { describe, expect, it } from '@jest/globals';
import { use, type HotpathDecorator } from '../../src/index.js';
import { createDecorator } from '../../src/extend.js';

/** A decorator restricted to promise-returning methods, like @rateLimit or @retry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const asyncOnly: HotpathDecorator<(...args: any[]) => Promise<unknown>> = createDecorator({
  name: 'asyncOnly',
  layer: () => ({ decorator: 'asyncOnly', wrap: (inner) => inner }),
});

class Fine {
  @asyncOnly
  async load(id: string): Promise<string> {
    return id;
  }

  @use((_c, next) => next())
  sum(a: number, b: number): number {
    return a + b;
  }
}

// Compile-time only (never run): each `@ts-expect-error` in it must meet an error.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
class Misused {
  // @ts-expect-error a promise-only decorator on a method returning a number
  @asyncOnly
  count(): number {
    return 1;
  }
}

describe('decorator types', () => {
  it('accepts correct uses and keeps the method types', async () => {
    const fine = new Fine();
    const id: Promise<string> = fine.load('x');
    const n: number = fine.sum(1, 2);
    expect(await id).toBe('x');
    expect(n).toBe(3);
    const wrapped: (a: number) => Promise<number> = asyncOnly(async (a: number) => a);
    expect(await wrapped(2)).toBe(2);
    // @ts-expect-error the functional form keeps the constraint too
    asyncOnly((a: number) => a);
  });
});
