/**
 * The memory tier's LRU map (src/cached/lru.ts) against a model: a list of keys from the most
 * to the least recently used. Random operations on random small bounds must leave both with
 * the same answers, the same entries and the same recency order.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Lru } from '../../src/cached/lru.js';

type Op =
  | { op: 'get'; key: string }
  | { op: 'set'; key: string; value: number }
  | { op: 'delete'; key: string }
  | { op: 'clear' };

const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('get' as const), key }) },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('set' as const), key, value: fc.nat(99) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

/** The obvious LRU: an array of [key, value], most recently used first. */
class Model {
  entries: [string, number][] = [];
  constructor(readonly max: number) {}
  #take(key: string): [string, number] | undefined {
    const at = this.entries.findIndex(([k]) => k === key);
    return at < 0 ? undefined : this.entries.splice(at, 1)[0];
  }
  get(key: string): number | undefined {
    const entry = this.#take(key);
    if (entry) this.entries.unshift(entry);
    return entry?.[1];
  }
  set(key: string, value: number): void {
    this.#take(key);
    this.entries.unshift([key, value]);
    if (this.entries.length > this.max) this.entries.pop();
  }
  delete(key: string): boolean {
    return this.#take(key) !== undefined;
  }
}

describe('Lru (the memory tier map)', () => {
  it('answers, holds and orders entries like a reference LRU, within max', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(opArb, { maxLength: 60 }),
        (max, ops) => {
          const lru = new Lru<number>(max);
          const model = new Model(max);
          for (const o of ops) {
            if (o.op === 'get') expect(lru.get(o.key)).toBe(model.get(o.key));
            else if (o.op === 'set') {
              lru.set(o.key, o.value);
              model.set(o.key, o.value);
            } else if (o.op === 'delete') expect(lru.delete(o.key)).toBe(model.delete(o.key));
            else {
              lru.clear();
              model.entries = [];
            }
            expect([...lru.keys()]).toEqual(model.entries.map(([k]) => k));
            expect(lru.size).toBe(model.entries.length);
            expect(lru.size).toBeLessThanOrEqual(max);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
