/**
 * The memory tier's LRU map (src/cached/lru.ts) against a model: a list of keys from the most
 * to the least recently used. Random operations on random small bounds must leave both with
 * the same answers, the same entries and the same recency order.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Lru, type LruKey } from '../../src/cached/lru.js';

type Op =
  | { op: 'get'; key: string }
  | { op: 'set'; key: string; value: number }
  | { op: 'delete'; key: string }
  | { op: 'clear' };

const opsOver = (key: fc.Arbitrary<string>): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('get' as const), key }) },
    {
      weight: 4,
      arbitrary: fc.record({ op: fc.constant('set' as const), key, value: fc.nat(99) }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
    { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
  );
/** Few keys, small bounds: every order of gets, sets and deletes is reached. */
const fewKeys = opsOver(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'));
/** Up to 30 keys under bounds up to 40: eviction, slot reuse after deletes, and clears. */
const manyKeys = opsOver(fc.integer({ min: 0, max: 29 }).map((n) => `k${n}`));

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

/** At most `count` keys of `lru`, most recent first (a broken list may be a cycle). */
function firstKeys(lru: Lru<number>, count: number): LruKey[] {
  const keys: LruKey[] = [];
  for (const k of lru.keys()) {
    if (keys.length === count) break;
    keys.push(k);
  }
  return keys;
}

describe('Lru (the memory tier map)', () => {
  it.each([
    ['few keys, small bounds', fewKeys, 5, 60, 500],
    ['more keys, with deletes and clears between', manyKeys, 40, 150, 60],
  ])(
    'answers, holds and orders entries like a reference LRU, within max (%s)',
    (_, opArb, maxBound, length, numRuns) => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: maxBound }),
          // `size: 'max'`: by default fast-check keeps arrays to about 10 items, whatever maxLength.
          fc.array(opArb, { maxLength: length, size: 'max' }),
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
              expect(firstKeys(lru, max + 1)).toEqual(model.entries.map(([k]) => k));
              expect(lru.size).toBe(model.entries.length);
              expect(lru.size).toBeLessThanOrEqual(max);
            }
          },
        ),
        { numRuns },
      );
    },
  );
});
