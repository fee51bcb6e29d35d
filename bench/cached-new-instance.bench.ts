/**
 * `@cached` on a request-scoped service: what a new instance's first call costs, in time and
 * heap, with the default `max` (10 000). The memo is sized by what it holds, not by `max`.
 *
 * Targets: under 20 µs and under 4 KB per new instance's first call.
 */
import { cached } from '../src/index.js';
import { check, compare, heapGrowth } from './harness.js';

class Plain {
  get(id: string): { id: string } {
    return { id };
  }
}

class Cached {
  @cached()
  get(id: string): { id: string } {
    return { id };
  }
  @cached()
  async load(id: string): Promise<{ id: string }> {
    return { id };
  }
}

const firsts = await compare(
  'new instance + first call',
  [
    { name: 'undecorated class', fn: () => new Plain().get('a'), baseline: true },
    { name: '@cached() sync', fn: () => new Cached().get('a') },
    { name: '@cached() async', fn: () => new Cached().load('a') },
  ],
  { rounds: 3 },
);
const overNs = (name: string): number =>
  firsts.get(name).medianNs - firsts.get('undecorated class').medianNs;
check('@cached sync, new instance first call', overNs('@cached() sync') / 1000, '<', 20, 'µs');
check('@cached async, new instance first call', overNs('@cached() async') / 1000, '<', 20, 'µs');

const N = 10_000;
const plain = await heapGrowth(`${N} undecorated instances after one call`, () => {
  const kept: Plain[] = [];
  for (let i = 0; i < N; i++) (kept[i] = new Plain()).get('a');
  return kept;
});
const memos = await heapGrowth(`${N} @cached instances after their first call`, () => {
  const kept: Cached[] = [];
  for (let i = 0; i < N; i++) (kept[i] = new Cached()).get('a');
  return kept;
});
check(
  '@cached, heap per new instance after its first call',
  (memos.growthBytes - plain.growthBytes) / N / 1024,
  '<',
  4,
  'KB',
);
