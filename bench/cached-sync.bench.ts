/**
 * `@cached` memory-tier hit on a synchronous method, in its own process (one file
 * per measure): side by side with hand-written lru-cache memoization. One hot key, every call
 * a hit. Target: within 2x of the hand-written memo.
 */
import { LRUCache } from 'lru-cache';
import { cached } from '../src/index.js';
import { createDecorator, PerOwner } from '../src/extend.js';
import { check, compare } from './harness.js';

interface User {
  id: string;
  name: string;
}

const loadSync = (id: string): User => ({ id, name: `user ${id}` });

class SyncService {
  @cached()
  getUser(id: string): User {
    return loadSync(id);
  }
}

// Hand-written memoization with lru-cache: what a careful user writes without a library.
const syncLru = new LRUCache<string, User>({ max: 10_000 });
function lruSync(id: string): User {
  let v = syncLru.get(id);
  if (v === undefined) syncLru.set(id, (v = loadSync(id)));
  return v;
}

// The floor any decorator with per-instance state pays: the interception core (wrapper, Call),
// one per-owner state lookup and one lru-cache get; no stats, no expiry or key checks.
const floorState = new PerOwner(() => new LRUCache<string, User>({ max: 10_000 }));
const floor = createDecorator({
  name: 'floor',
  layer: () => ({
    decorator: 'floor',
    wrap: (inner) => (call) => {
      const lru = floorState.get(call.owner);
      const id = call.args[0] as string;
      let v = lru.get(id);
      if (v === undefined) lru.set(id, (v = inner(call) as User));
      return v;
    },
  }),
});
class FloorService {
  @floor
  getUser(id: string): User {
    return loadSync(id);
  }
}
const floorSvc = new FloorService();

const syncSvc = new SyncService();
const ID = 'user-42';

const syncHits = await compare(
  '@cached memory-tier hit, sync method',
  [
    { name: 'hand-written lru-cache memo (sync)', fn: () => lruSync(ID), baseline: true },
    { name: '@cached() (sync)', fn: () => syncSvc.getUser(ID) },
    { name: 'floor: core + per-owner lookup + lru-cache get', fn: () => floorSvc.getUser(ID) },
  ],
  { rounds: 3 },
);
check(
  '@cached sync hit vs hand-written lru-cache (ratio)',
  syncHits.get('@cached() (sync)').medianNs /
    syncHits.get('hand-written lru-cache memo (sync)').medianNs,
  '<=',
  2,
);
