/**
 * `@cached` memory-tier hit on an async method, side by side with the anchors in one
 * run: hand-written lru-cache memoization, p-memoize, cache-manager `wrap`, cacheable `wrap`.
 * One hot key per case, every call a hit (awaited). The sync hit is `cached-sync.bench.ts`, the
 * heap measure `cached-memory.bench.ts`.
 *
 * Targets: <= 150 ns, >= 10x faster than cache-manager and cacheable `wrap`, >= 3x faster than
 * p-memoize, within 2x of hand-written lru-cache.
 */
import { createCache } from 'cache-manager';
import { Cacheable } from 'cacheable';
import { LRUCache } from 'lru-cache';
import pMemoize from 'p-memoize';
import { cached } from '../src/index.js';
import { check, compare } from './harness.js';

interface User {
  id: string;
  name: string;
}

const load = async (id: string): Promise<User> => ({ id, name: `user ${id}` });

class AsyncService {
  @cached()
  async getUser(id: string): Promise<User> {
    return load(id);
  }
}

class TtlService {
  @cached({ ttl: '5m' })
  async getUser(id: string): Promise<User> {
    return load(id);
  }
}

// Hand-written memoization with lru-cache: what a careful user writes without a library.
const asyncLru = new LRUCache<string, Promise<User>>({ max: 10_000 });
function lruAsync(id: string): Promise<User> {
  let p = asyncLru.get(id);
  if (p === undefined) asyncLru.set(id, (p = load(id)));
  return p;
}
const pMemoized = pMemoize(load);
const cacheManager = createCache();
const cacheable = new Cacheable();
const cacheableWrapped = cacheable.wrap(load, { cacheId: 'bench' });

const svc = new AsyncService();
const ttlSvc = new TtlService();
const ID = 'user-42';

const asyncHits = await compare(
  '@cached memory-tier hit, async method',
  [
    { name: 'hand-written lru-cache memo', fn: () => lruAsync(ID), baseline: true },
    { name: '@cached()', fn: () => svc.getUser(ID) },
    { name: "@cached({ ttl: '5m' })", fn: () => ttlSvc.getUser(ID) },
    { name: 'p-memoize', fn: () => pMemoized(ID) },
    { name: 'cache-manager wrap', fn: () => cacheManager.wrap(ID, () => load(ID)) },
    { name: 'cacheable wrap', fn: () => cacheableWrapped(ID) },
  ],
  { rounds: 3 },
);
const hit = asyncHits.get('@cached()').medianNs;
check('@cached async hit', hit, '<=', 150, 'ns');
check(
  '@cached async hit vs hand-written lru-cache (ratio)',
  hit / asyncHits.get('hand-written lru-cache memo').medianNs,
  '<=',
  2,
);
check(
  'cache-manager wrap / @cached (speed-up)',
  asyncHits.get('cache-manager wrap').medianNs / hit,
  '>=',
  10,
);
check(
  'cacheable wrap / @cached (speed-up)',
  asyncHits.get('cacheable wrap').medianNs / hit,
  '>=',
  10,
);
check('p-memoize / @cached (speed-up)', asyncHits.get('p-memoize').medianNs / hit, '>=', 3);
