/**
 * Compile-time tests (`npm run typecheck` compiles this file in both decorator modes; every
 * `@ts-expect-error` must meet an error there): `@debounce` and `@throttle` accept methods
 * returning `void` or a promise, and refuse methods returning a plain value, whose callers
 * would read a value where a promise arrives.
 */
import { describe, expect, it } from '@jest/globals';
import { debounce, throttle } from '../../src/index.js';

class Fine {
  @debounce(10)
  async save(text: string): Promise<string> {
    return text;
  }

  @throttle({ wait: 10, key: (id: string) => id })
  touch(_id: string): void {}

  @debounce({ wait: 10, maxWait: 20 })
  static async reload(): Promise<void> {}
}

// Compile-time only (never run): each `@ts-expect-error` in it must meet an error.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
class Misused {
  // @ts-expect-error @debounce on a method returning a number
  @debounce(10)
  count(): number {
    return 1;
  }

  // @ts-expect-error @throttle on a method returning a string
  @throttle(10)
  label(): string {
    return 'x';
  }
}

describe('@debounce and @throttle types', () => {
  it('keep the types of promise and void methods, and refuse value-returning ones', () => {
    const fine = new Fine();
    const saved: Promise<string> = fine.save('x');
    const touched: void = fine.touch('a');
    const wrapped: (n: number) => Promise<number> = debounce(10)(async (n: number) => n);
    const voidFn: (n: number) => void = throttle(10)((_n: number): void => {});
    // @ts-expect-error the functional form keeps the constraint too
    debounce(10)((n: number) => n);
    // @ts-expect-error throttle has no maxWait option
    throttle({ wait: 10, maxWait: 20 });
    expect(saved).toBeInstanceOf(Promise);
    expect(touched as unknown).toBeInstanceOf(Promise);
    expect(wrapped).toBeInstanceOf(Function);
    expect(voidFn).toBeInstanceOf(Function);
    expect(Fine.reload).toBeInstanceOf(Function);
    void saved.catch(() => {});
  });
});
