/**
 * Calibration: the cost of an empty function call and of a `Map.get` hit on this machine.
 * Kept as a sanity check of the harness (PLATFORM.md measured `Map.get` at about 8 ns).
 */
import { check, compare, heapGrowth } from './harness.js';

function empty(): void {}

const map = new Map<string, number>([['hot', 1]]);
const key = 'hot';

const result = await compare('calibration: empty call vs Map.get', [
  { name: 'empty function call', fn: () => empty(), baseline: true },
  { name: 'Map.get (hit)', fn: () => map.get(key) },
  { name: 'await Promise.resolve(Map.get)', fn: async () => await Promise.resolve(map.get(key)) },
]);

check('Map.get hit', result.get('Map.get (hit)').medianNs, '<=', 50, 'ns');

// Calibrates heapGrowth(): 100 000 small entries retained in a Map take a few MB.
const heap = await heapGrowth('Map of 100 000 numbers, retained', () => {
  const retained = new Map<number, number>();
  for (let i = 0; i < 100_000; i++) retained.set(i, i);
  return retained;
});
check('heap growth of the calibration Map', heap.growthBytes / 2 ** 20, '<', 50, 'MB');
