/**
 * Middleware core overhead — `@use` with a pass-through middleware over an
 * undecorated call, target <= 50 ns per call. Also the stable argument key on its fast path
 * (a lone string or number) and on a small object.
 */
import { use } from '../src/index.js';
import { argumentKey } from '../src/extend.js';
import { check, compare } from './harness.js';

class Plain {
  add(a: number, b: number): number {
    return a + b;
  }
}

class Decorated {
  @use((_call, next) => next())
  add(a: number, b: number): number {
    return a + b;
  }
}

const plain = new Plain();
const decorated = new Decorated();
const wrappedFn = use((_call, next) => next())((a: number, b: number) => a + b);
let i = 0;

const core = await compare('middleware core: @use pass-through vs an undecorated call', [
  { name: 'undecorated method', fn: () => plain.add(i++, 1), baseline: true },
  { name: '@use pass-through method', fn: () => decorated.add(i++, 1) },
  { name: 'use() pass-through function', fn: () => wrappedFn(i++, 1) },
]);
const overhead =
  core.get('@use pass-through method').medianNs - core.get('undecorated method').medianNs;
console.log(`core overhead per call: ${overhead.toFixed(1)} ns`);
check('middleware core overhead over an undecorated call', overhead, '<=', 50, 'ns');

const query = { tenant: 'acme', ids: [1, 2, 3], active: true };
const keys = await compare('stable argument key', [
  { name: 'String(n) (reference)', fn: () => String(i++), baseline: true },
  { name: 'argumentKey([string])', fn: () => argumentKey(['user-42'], 'S.m') },
  { name: 'argumentKey([number])', fn: () => argumentKey([i++], 'S.m') },
  { name: 'argumentKey([string, number])', fn: () => argumentKey(['user', i++], 'S.m') },
  { name: 'argumentKey([object])', fn: () => argumentKey([query], 'S.m') },
  { name: 'JSON.stringify(object) (reference)', fn: () => JSON.stringify(query) },
]);
check(
  'argumentKey fast path (lone string)',
  keys.get('argumentKey([string])').medianNs,
  '<=',
  30,
  'ns',
);
