/**
 * Compile-time tests for `@retry` and `@timeout`: `npm run typecheck` compiles this file in
 * both decorator modes, and every `@ts-expect-error` must meet an error there. At run time
 * it checks that the correct uses work and keep their types.
 */
import { describe, expect, it } from '@jest/globals';
import { retry, timeout, type RetryEvent } from '../../src/index.js';

class Fine {
  @retry()
  async load(id: string): Promise<string> {
    return id;
  }

  @retry({
    attempts: 2,
    retryIf: (error: unknown, attempt: number) => attempt < 2 && error instanceof Error,
  })
  @timeout({ ms: '1s' })
  static async ping(): Promise<'pong'> {
    return 'pong';
  }
}

/** Never called: the misuses are compile errors (they would run fine at decoration time). */
function defineMisused(): unknown {
  class Misused {
    // @ts-expect-error @retry on a method returning a number
    @retry()
    count(): number {
      return 1;
    }

    // @ts-expect-error @timeout on a method returning void
    @timeout(100)
    fire(): void {}
  }
  return Misused;
}

describe('@retry and @timeout types', () => {
  it('keep the method types, in the functional form too', async () => {
    const id: Promise<string> = new Fine().load('x');
    const pong: Promise<'pong'> = Fine.ping();
    expect([await id, await pong]).toEqual(['x', 'pong']);
    const wrapped: (a: number) => Promise<number> = retry()(
      timeout(50)(async (a: number) => a * 2),
    );
    expect(await wrapped(2)).toBe(4);
    // @ts-expect-error the functional form keeps the constraint
    retry()((a: number) => a);
    // @ts-expect-error so does @timeout's
    timeout(10)(() => 'sync');
    // @ts-expect-error an unknown option
    retry({ tries: 3 });
    // @ts-expect-error backoff is one of three words
    retry({ backoff: 'random' });
    const onRetry = (event: RetryEvent): number => event.attempt + event.delayMs;
    expect(typeof retry({ onRetry: (e) => void onRetry(e) })).toBe('function');
    expect(typeof defineMisused).toBe('function');
  });
});
