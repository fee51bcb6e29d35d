/**
 * Property test: random callers (random items, duplicates, items that fail, several per call),
 * random options, calls spread over ticks; every caller must get exactly its own slice, body
 * inputs must respect `maxBatchSize` and dedupe, and every item must reach a body.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { batched } from '../../src/index.js';
import { turnEventLoop } from '../helpers/time.js';

const item = fc.oneof(
  fc.integer({ min: 0, max: 20 }),
  fc.constantFrom('a', 'b', 'c', '1'),
  fc.constantFrom(-1, 2 ** 40),
);
const callArb = fc.record({
  items: fc.array(item, { minLength: 0, maxLength: 5 }),
  tick: fc.nat(2),
});

describe('@batched (property)', () => {
  it('answers every caller with exactly its own slice, whatever the options and schedule', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(callArb, { minLength: 1, maxLength: 30 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        fc.boolean(),
        async (calls, maxBatchSize, dedupe) => {
          const inputs: unknown[][] = [];
          const answer = (x: unknown): unknown =>
            x === 'c' || x === 7 ? new Error(`bad ${String(x)}`) : `v:${typeof x}:${String(x)}`;
          class Repo {
            @batched({ maxBatchSize, dedupe })
            async load(xs: unknown[]): Promise<unknown[]> {
              inputs.push([...xs]);
              await Promise.resolve();
              return xs.map(answer);
            }
          }
          const repo = new Repo();
          const pending: Promise<PromiseSettledResult<unknown>>[] = [];
          for (let tick = 0; tick <= 2; tick++) {
            for (const c of calls.filter((call) => call.tick === tick)) {
              pending.push(
                repo.load(c.items).then(
                  (value) => ({ status: 'fulfilled' as const, value }),
                  (reason: unknown) => ({ status: 'rejected' as const, reason }),
                ),
              );
            }
            await turnEventLoop(1);
          }
          const results = await Promise.all(pending);
          const ordered = [0, 1, 2].flatMap((tick) => calls.filter((call) => call.tick === tick));
          ordered.forEach((c, i) => {
            const r = results[i]!;
            const expected = c.items.map(answer);
            const firstError = expected.find((v) => v instanceof Error) as Error | undefined;
            if (firstError) {
              expect(r.status).toBe('rejected');
              expect(((r as PromiseRejectedResult).reason as Error).message).toBe(
                firstError.message,
              );
            } else {
              expect(r).toEqual({ status: 'fulfilled', value: expected });
            }
          });
          for (const input of inputs) {
            expect(input.length).toBeGreaterThan(0);
            if (maxBatchSize !== undefined) expect(input.length).toBeLessThanOrEqual(maxBatchSize);
            if (dedupe) expect(new Set(input).size).toBe(input.length);
          }
          const requested = calls.reduce((n, c) => n + c.items.length, 0);
          const sent = inputs.reduce((n, input) => n + input.length, 0);
          if (!dedupe) expect(sent).toBe(requested);
          const every = new Set(calls.flatMap((c) => c.items));
          expect(new Set(inputs.flat())).toEqual(every);
        },
      ),
      { numRuns: 150 },
    );
  });
});
