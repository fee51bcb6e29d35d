import { afterEach, describe, expect, it, jest } from '@jest/globals';
import Keyv from 'keyv';
import {
  bindHotpath,
  cached,
  control,
  createHotpath,
  type CacheStore,
  type Hotpath,
  type HotpathConfig,
  type InvalidationBus,
  type InvalidationTarget,
} from '../../src/index.js';
import { sleepMs, turnEventLoop } from '../helpers/time.js';

/** An in-process stand-in for RedisBus: delivers each message to every other registry on the hub. */
class FakeBus implements InvalidationBus {
  onMessage: ((t: InvalidationTarget) => void) | undefined;
  onResync: (() => void) | undefined;
  readonly sent: InvalidationTarget[] = [];
  constructor(private readonly hub: Set<FakeBus>) {
    hub.add(this);
  }
  publish(target: InvalidationTarget): void {
    this.sent.push(target);
    for (const bus of this.hub) if (bus !== this) bus.onMessage?.(target);
  }
  subscribe(onMessage: (t: InvalidationTarget) => void, onResync: () => void): void {
    this.onMessage = onMessage;
    this.onResync = onResync;
  }
}

/** A keyv-backed store that records the keys it is asked for and written. */
function recordingStore(): {
  store: Keyv;
  gets: string[];
  sets: string[];
  map: Map<string, unknown>;
} {
  const map = new Map<string, unknown>();
  const store = new Keyv({ store: map });
  const gets: string[] = [];
  const sets: string[] = [];
  const get = store.get.bind(store);
  const set = store.set.bind(store);
  store.get = ((key: string) => {
    gets.push(key);
    return get(key);
  }) as typeof store.get;
  store.set = ((key: string, value: unknown, ttl?: number) => {
    sets.push(key);
    return set(key, value, ttl);
  }) as typeof store.set;
  return { store, gets, sets, map };
}

interface User {
  id: string;
  name: string;
  seen: Date;
}

let computed: string[] = [];

class UserService {
  @cached({ store: 'shared', ttl: '1h', jitter: 0, tags: (u: User) => [`user:${u.id}`] })
  async getUser(id: string): Promise<User> {
    computed.push(id);
    return { id, name: `name-${id}`, seen: new Date(0) };
  }
}

/**
 * Marks for `tags` with an old time, as a store holds them once those tags were used before:
 * the first value computed under a tag the store has no mark for is not shared (see the test
 * "does not share the first value computed under a tag the store never saw").
 */
async function tagsSeenBefore(store: CacheStore, ...tags: string[]): Promise<void> {
  for (const tag of tags) await store.set(`hotpath:tag:${tag}`, '1');
}

/** The entry keys of a keyv map (not the invalidation marks). */
const entries = (m: Map<string, unknown>): string[] => [...m.keys()].filter((k) => k.includes('#'));

/** Two "processes": two registries sharing one store (and, optionally, a bus). */
function twoProcesses(config: Partial<HotpathConfig> = {}, bus = false) {
  const { store, gets, sets, map } = recordingStore();
  const hub = new Set<FakeBus>();
  const make = (name: string): Hotpath =>
    createHotpath({
      name,
      stores: { shared: store },
      ...config,
      ...(bus ? { bus: new FakeBus(hub) } : {}),
    });
  const a = make('a');
  const b = make('b');
  return { a, b, store, gets, sets, map, hub };
}

describe('@cached with shared tiers', () => {
  afterEach(() => {
    computed = [];
    jest.useRealTimers();
  });

  it('fills the memory tier from the shared tier, so another process does not recompute', async () => {
    const { a, b, store } = twoProcesses();
    await tagsSeenBefore(store, 'user:1');
    const svcA = bindHotpath(new UserService(), a);
    const svcB = bindHotpath(new UserService(), b);
    const fromA = await svcA.getUser('1');
    await turnEventLoop(3);
    const fromB = await svcB.getUser('1');
    expect(fromB).toEqual(fromA);
    expect(fromB.seen).toBeInstanceOf(Date);
    expect(computed).toEqual(['1']);
    await svcB.getUser('1');
    expect(b.stats().methods['UserService.getUser']!.cached).toMatchObject({
      hits: 2,
      hitsByTier: { memory: 1, shared: 1 },
      misses: 0,
      breaker: { shared: 'closed' },
    });
  });

  it('shares one entry between instances in one process (scope is shared with a store)', async () => {
    const { a } = twoProcesses();
    const one = bindHotpath(new UserService(), a);
    const two = bindHotpath(new UserService(), a);
    await Promise.all([one.getUser('7'), two.getUser('7')]);
    expect(computed).toEqual(['7']);
  });

  it('reads tiers in order, fills the tiers above a hit, and writes to all', async () => {
    const near = recordingStore();
    const far = recordingStore();
    const stores = { near: near.store, far: far.store };
    class Catalog {
      @cached({ store: ['near', 'far'] })
      async item(id: number): Promise<string> {
        computed.push(String(id));
        return `item-${id}`;
      }
    }
    const writer = bindHotpath(new Catalog(), createHotpath({ stores }));
    await writer.item(1);
    await turnEventLoop(3);
    expect(entries(near.map)).toEqual(['keyv:hotpath:Catalog.item#1']);
    expect(entries(far.map)).toEqual(['keyv:hotpath:Catalog.item#1']);
    await near.store.delete('hotpath:Catalog.item#1');
    const reader = bindHotpath(new Catalog(), createHotpath({ stores }));
    expect(await reader.item(1)).toBe('item-1');
    await turnEventLoop(3);
    expect(computed).toEqual(['1']);
    expect(entries(near.map)).toEqual(['keyv:hotpath:Catalog.item#1']);
  });

  it('round-trips rich types through a keyv store', async () => {
    const value = {
      when: new Date('2026-01-02T03:04:05.678Z'),
      map: new Map<string, unknown>([
        ['a', 1],
        ['b', new Set([1n, 2n])],
      ]),
      big: 12345678901234567890n,
      bytes: Buffer.from('héllo'),
      u8: new Uint8Array([1, 2, 255]),
      missing: undefined,
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      ninf: Number.NEGATIVE_INFINITY,
      list: [undefined, null, -0],
    };
    class Rich {
      @cached({ store: 'shared' })
      async get(): Promise<typeof value> {
        computed.push('rich');
        return value;
      }
    }
    const { a, b } = twoProcesses();
    await bindHotpath(new Rich(), a).get();
    await turnEventLoop(3);
    const back = await bindHotpath(new Rich(), b).get();
    expect(computed).toEqual(['rich']);
    expect(back).not.toBe(value);
    expect(back).toEqual(value);
    expect(back.bytes).toBeInstanceOf(Buffer);
    expect(back.u8).toBeInstanceOf(Uint8Array);
    expect(Object.is(back.list[2], -0)).toBe(true);
    expect('missing' in back).toBe(true);
  });

  it('fills the memory tier with the remaining ttl of a shared hit', async () => {
    jest.useFakeTimers();
    const { a, b } = twoProcesses();
    class Clock {
      @cached({ store: 'shared', ttl: 10_000, jitter: 0 })
      async now(): Promise<number> {
        computed.push('now');
        return Date.now();
      }
    }
    const first = await bindHotpath(new Clock(), a).now();
    await jest.advanceTimersByTimeAsync(6_000);
    const other = bindHotpath(new Clock(), b);
    expect(await other.now()).toBe(first);
    await jest.advanceTimersByTimeAsync(3_999);
    expect(await other.now()).toBe(first);
    await jest.advanceTimersByTimeAsync(1);
    expect(await other.now()).not.toBe(first);
    expect(computed).toEqual(['now', 'now']);
  });

  it('jitters ttl by 10% by default with a store', async () => {
    jest.useFakeTimers();
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.999);
    try {
      let n = 0;
      class Jittered {
        @cached({ store: 'shared', ttl: 1_000 })
        async get(): Promise<number> {
          return ++n;
        }
      }
      const j = bindHotpath(new Jittered(), twoProcesses().a);
      expect(await j.get()).toBe(1);
      await jest.advanceTimersByTimeAsync(900);
      expect(await j.get()).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(await j.get()).toBe(2);
    } finally {
      random.mockRestore();
    }
  });

  it('invalidate(...args) removes the entry from every tier; with a bus other processes drop their copy', async () => {
    const { a, b, hub, store } = twoProcesses({}, true);
    await tagsSeenBefore(store, 'user:1');
    const svcA = bindHotpath(new UserService(), a);
    const svcB = bindHotpath(new UserService(), b);
    await svcA.getUser('1');
    await turnEventLoop(3);
    await svcB.getUser('1');
    expect(computed).toEqual(['1']);
    await control(svcA, 'getUser').invalidate('1');
    expect([...hub][0]!.sent).toEqual([{ namespace: 'UserService.getUser', key: "'1" }]);
    await svcB.getUser('1');
    expect(computed).toEqual(['1', '1']);
  });

  it('sends control().invalidate/clear of a shared memory-only cache through the bus; instance scope stays local', async () => {
    const hub = new Set<FakeBus>();
    const busA = new FakeBus(hub);
    const a = createHotpath({ bus: busA });
    const b = createHotpath({ bus: new FakeBus(hub) });
    let runs = 0;
    class Rates {
      @cached({ scope: 'shared' })
      async rate(cur: string): Promise<string> {
        runs++;
        return cur;
      }
      @cached()
      async mine(cur: string): Promise<string> {
        runs++;
        return cur;
      }
    }
    const ra = bindHotpath(new Rates(), a);
    const rb = bindHotpath(new Rates(), b);
    await Promise.all([ra.rate('eur'), rb.rate('eur'), rb.rate('usd')]);
    expect(runs).toBe(3);
    await control(ra, 'rate').invalidate('eur');
    await Promise.all([rb.rate('eur'), rb.rate('usd')]);
    expect(runs).toBe(4);
    await control(ra, 'rate').clear();
    await rb.rate('usd');
    expect(runs).toBe(5);
    expect(busA.sent).toEqual([
      { namespace: 'Rates.rate', key: "'eur" },
      { namespace: 'Rates.rate' },
    ]);
    await ra.mine('x');
    await control(ra, 'mine').clear();
    expect(busA.sent).toHaveLength(2);
  });

  it('clear() writes one mark: O(1), no scan, every process misses', async () => {
    const { a, b, gets, sets, store } = twoProcesses({}, true);
    await tagsSeenBefore(store, 'user:1', 'user:2', 'user:3');
    const svcA = bindHotpath(new UserService(), a);
    const svcB = bindHotpath(new UserService(), b);
    await Promise.all(['1', '2', '3'].map((id) => svcA.getUser(id)));
    await turnEventLoop(3);
    await Promise.all(['1', '2', '3'].map((id) => svcB.getUser(id)));
    expect(computed).toEqual(['1', '2', '3']);
    sets.length = 0;
    gets.length = 0;
    await control(svcA, 'getUser').clear();
    // One write: the namespace's mark. Nothing is listed or deleted.
    expect(sets).toEqual(['hotpath:ns:UserService.getUser']);
    // Marks have millisecond resolution and err on the side of recomputing: a value computed in
    // the millisecond of the clear counts as older than it (and would be computed again).
    await sleepMs(2);
    await Promise.all(['1', '2'].map((id) => svcB.getUser(id)));
    await Promise.all(['1', '2'].map((id) => svcA.getUser(id)));
    expect(computed).toEqual(['1', '2', '3', '1', '2']);
  });

  it('sees another process clear within a second without a bus', async () => {
    jest.useFakeTimers();
    const { a, b } = twoProcesses();
    const svcA = bindHotpath(new UserService(), a);
    class Reader {
      @cached({ store: 'shared', namespace: 'UserService.getUser', ttl: '1h', jitter: 0 })
      async getUser(id: string): Promise<User> {
        computed.push(`reader:${id}`);
        return { id, name: 'reader', seen: new Date(0) };
      }
    }
    const reader = bindHotpath(new Reader(), b);
    await tagsSeenBefore(a.stores.shared!, 'user:1');
    await svcA.getUser('1');
    await jest.advanceTimersByTimeAsync(1);
    // The reader learns the namespace's mark (its own key '2' misses and is computed).
    expect((await reader.getUser('2')).name).toBe('reader');
    await control(svcA, 'getUser').clear();
    await jest.advanceTimersByTimeAsync(1_000);
    // '1' was written by A before the clear: after a second the reader reads the new mark.
    expect((await reader.getUser('1')).name).toBe('reader');
    expect(computed).toEqual(['1', 'reader:2', 'reader:1']);
  });

  it('invalidates tags across processes without scanning: only the entries carrying the tag', async () => {
    jest.useFakeTimers();
    const { a, b, store } = twoProcesses({}, true);
    await tagsSeenBefore(store, 'user:1', 'user:2');
    const svcA = bindHotpath(new UserService(), a);
    const svcB = bindHotpath(new UserService(), b);
    await Promise.all([svcA.getUser('1'), svcA.getUser('2')]);
    await turnEventLoop(3);
    await Promise.all([svcB.getUser('1'), svcB.getUser('2')]);
    expect(computed).toEqual(['1', '2']);
    await a.invalidate({ tags: ['user:1'] });
    // Tag times have millisecond resolution and err on the side of recomputing: an entry
    // written in the millisecond of the invalidation counts as older than it.
    await jest.advanceTimersByTimeAsync(2);
    await Promise.all([svcB.getUser('1'), svcB.getUser('2')]);
    expect(computed).toEqual(['1', '2', '1']);
    await turnEventLoop(3);
    // A third process that never saw the entries: the new '1' is fresh, '2' untouched.
    const c = createHotpath({ stores: a.stores });
    const svcC = bindHotpath(new UserService(), c);
    await Promise.all([svcC.getUser('1'), svcC.getUser('2')]);
    expect(computed).toEqual(['1', '2', '1']);
  });

  it('treats a shared entry written before its tag was invalidated as a miss in a fresh process', async () => {
    const { a, store } = twoProcesses();
    await tagsSeenBefore(store, 'user:9');
    const svcA = bindHotpath(new UserService(), a);
    await svcA.getUser('9');
    await turnEventLoop(3);
    await a.invalidate({ tags: ['user:9'] });
    const fresh = bindHotpath(new UserService(), createHotpath({ stores: a.stores }));
    await fresh.getUser('9');
    expect(computed).toEqual(['9', '9']);
  });

  it('flushes the memory tier when the bus resyncs', async () => {
    const { a, hub, store } = twoProcesses({}, true);
    await tagsSeenBefore(store, 'user:1');
    const svcA = bindHotpath(new UserService(), a);
    await svcA.getUser('1');
    await turnEventLoop(3);
    const bus = [...hub].find((x) => x.onResync)!;
    for (const x of hub) x.onResync?.();
    void bus;
    // L1 is gone; the shared tier still answers.
    await svcA.getUser('1');
    expect(computed).toEqual(['1']);
    expect(a.stats().methods['UserService.getUser']!.cached).toMatchObject({
      hitsByTier: { memory: 0, shared: 1 },
    });
  });

  it('keeps versions apart and does not write results that unless() rejects', async () => {
    const { a, b, map } = twoProcesses();
    class V2 {
      @cached({
        store: 'shared',
        version: 2,
        namespace: 'V.get',
        unless: (r: string) => r === 'skip',
      })
      async get(what: string): Promise<string> {
        computed.push(`v2:${what}`);
        return what;
      }
    }
    class V3 {
      @cached({ store: 'shared', version: 3, namespace: 'V.get' })
      async get(what: string): Promise<string> {
        computed.push(`v3:${what}`);
        return what.toUpperCase();
      }
    }
    const v = bindHotpath(new V2(), a);
    await v.get('keep');
    await v.get('skip');
    await turnEventLoop(3);
    // The version is stored in the entry, not in its key: one key invalidation reaches every version.
    expect(entries(map)).toEqual(["keyv:hotpath:V.get#'keep"]);
    // Another version reads the entry as a miss (its value may have another shape) and replaces it.
    expect(await bindHotpath(new V3(), b).get('keep')).toBe('KEEP');
    expect(computed).toEqual(['v2:keep', 'v2:skip', 'v3:keep']);
  });

  it('never lets a namespace holding @, # or : name the records of another namespace or version', async () => {
    const { a, map } = twoProcesses();
    class Orders {
      @cached({ store: 'shared', namespace: 'Orders.total@2' })
      async byName(id: string): Promise<string> {
        return `byName ${id}`;
      }
      @cached({ store: 'shared', namespace: 'Orders.total', version: 2 })
      async byVersion(id: string): Promise<string> {
        return `byVersion ${id}`;
      }
      @cached({ store: 'shared', namespace: 'Orders.total@2#0' })
      async byGeneration(id: string): Promise<string> {
        return `byGeneration ${id}`;
      }
      @cached({ store: 'shared', namespace: 'tag' })
      async namedTag(id: string): Promise<string> {
        return `namedTag ${id}`;
      }
    }
    const one = bindHotpath(new Orders(), a);
    expect(await one.byVersion('1')).toBe('byVersion 1');
    await turnEventLoop(3);
    expect(await one.byName('1')).toBe('byName 1');
    await turnEventLoop(3);
    expect(await one.byGeneration("0:'1")).toBe("byGeneration 0:'1");
    await turnEventLoop(3);
    expect(
      entries(map)
        .filter((k) => k.includes('Orders'))
        .sort(),
    ).toEqual([
      "keyv:hotpath:Orders.total#'1",
      "keyv:hotpath:Orders.total%402#'1",
      "keyv:hotpath:Orders.total%402%230#'0:'1",
    ]);
    // A namespace spelled `tag` (or `ns`) keeps its entries apart from the marks.
    expect(await one.namedTag('gen')).toBe('namedTag gen');
    await a.invalidate({ tags: ['gen'] });
    await control(one, 'namedTag').clear();
    await turnEventLoop(3);
    expect([...map.keys()].filter((k) => k.includes('tag')).sort()).toEqual([
      'keyv:hotpath:ns:tag',
      "keyv:hotpath:tag#'gen",
      'keyv:hotpath:tag:gen',
    ]);
  });

  it('reports an undecodable shared value as E_STORE and recomputes', async () => {
    const { a, store } = twoProcesses();
    const errors: string[] = [];
    a.on('error', (e) => errors.push(`${(e as { code?: string }).code}: ${e.message}`));
    await store.set("hotpath:UserService.getUser#'5", '{not json');
    const svc = bindHotpath(new UserService(), a);
    expect((await svc.getUser('5')).id).toBe('5');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^E_STORE: @cached on UserService\.getUser: the value of key '5 read from store 'shared' cannot be decoded: /,
    );
  });

  it('reports a value the codec cannot encode, and still caches it in memory', async () => {
    const { a, map } = twoProcesses();
    const errors: string[] = [];
    a.on('error', (e) => errors.push(e.message));
    class Fns {
      @cached({ store: 'shared' })
      async get(): Promise<{ fn: () => number }> {
        computed.push('fn');
        return { fn: () => 1 };
      }
    }
    const f = bindHotpath(new Fns(), a);
    const first = await f.get();
    expect(await f.get()).toBe(first);
    await turnEventLoop(3);
    expect(computed).toEqual(['fn']);
    expect(errors).toEqual([
      '@cached on Fns.get: the value of key [] cannot be encoded for the shared tiers: cannot encode function values for a shared cache tier',
    ]);
    expect(entries(map)).toEqual([]);
  });

  it('rejects calls with E_CONFIG when the registry lacks the store', async () => {
    const registry = createHotpath({ name: 'bare' });
    const svc = bindHotpath(new UserService(), registry);
    await expect(svc.getUser('1')).rejects.toMatchObject({
      code: 'E_CONFIG',
      message:
        "@cached on UserService.getUser: store 'shared' is not in registry 'bare' (known stores: none); add it with createHotpath({ stores: { shared: ... } })",
    });
  });

  it('serves a stale shared entry during staleWhileRevalidate in another process and refreshes it', async () => {
    jest.useFakeTimers();
    const { a, b } = twoProcesses();
    let n = 0;
    class Quote {
      @cached({ store: 'shared', ttl: 1_000, jitter: 0, staleWhileRevalidate: 10_000 })
      async price(): Promise<number> {
        return ++n;
      }
    }
    expect(await bindHotpath(new Quote(), a).price()).toBe(1);
    await jest.advanceTimersByTimeAsync(2_000);
    const other = bindHotpath(new Quote(), b);
    expect(await other.price()).toBe(1);
    await jest.advanceTimersByTimeAsync(0);
    expect(n).toBe(2);
    expect(await other.price()).toBe(2);
  });

  it('does not share the first value computed under a tag the store never saw', async () => {
    const { a, b, map } = twoProcesses();
    const svcA = bindHotpath(new UserService(), a);
    const svcB = bindHotpath(new UserService(), b);
    await svcA.getUser('1');
    await turnEventLoop(3);
    // Its mark was missing when A wrote: A cannot tell "never invalidated" from "invalidated,
    // then lost" (flushed, evicted, expired), so the value stays in A's memory tier only and
    // the mark is created, newer than that computation.
    expect(entries(map)).toEqual([]);
    expect([...map.keys()]).toContain('keyv:hotpath:tag:user:1');
    await svcB.getUser('1');
    await turnEventLoop(3);
    expect(entries(map)).toEqual(["keyv:hotpath:UserService.getUser#'1"]);
    // From the second value on, entries are shared.
    const c = bindHotpath(new UserService(), createHotpath({ stores: a.stores }));
    await c.getUser('1');
    expect(computed).toEqual(['1', '1']);
  });

  describe('tag marks expire (no pile-up); an expired mark makes older entries misses', () => {
    const DAY = 24 * 3_600_000;

    /** A store that records each write's ttl and, like an entry from an older version, never expires anything. */
    function ttlStore() {
      const map = new Map<string, unknown>();
      const ttls = new Map<string, number | undefined>();
      const store: CacheStore = {
        get: (key) => Promise.resolve(map.get(key)),
        set: (key, value, ttl) => {
          map.set(key, value);
          ttls.set(key, ttl);
          return Promise.resolve(true);
        },
        delete: (key) => Promise.resolve(map.delete(key)),
      };
      return { store, map, ttls };
    }

    class Documents {
      // Tagged, without `ttl`: the entry itself never expires.
      @cached({ store: 'shared', tags: (d: { id: string }) => [`doc:${d.id}`] })
      async get(id: string): Promise<{ id: string }> {
        computed.push(id);
        return { id };
      }
    }

    it('writes tag marks with a 31-day expiry; entries and namespace marks keep their own (none)', async () => {
      jest.useFakeTimers();
      const { store, ttls } = ttlStore();
      const registry = createHotpath({ stores: { shared: store } });
      await tagsSeenBefore(store, 'doc:1');
      await bindHotpath(new Documents(), registry).get('1');
      await turnEventLoop(3);
      expect(ttls.has("hotpath:Documents.get#'1")).toBe(true);
      expect(ttls.get("hotpath:Documents.get#'1")).toBeUndefined();
      await registry.invalidate({ tags: ['doc:1'] });
      expect(ttls.get('hotpath:tag:doc:1')).toBe(31 * DAY);
      expect(ttls.has('hotpath:ns:Documents.get')).toBe(true);
      expect(ttls.get('hotpath:ns:Documents.get')).toBeUndefined();
    });

    it('treats an entry whose tag mark expired as a miss, and shares the next value', async () => {
      jest.useFakeTimers();
      const { store, map } = ttlStore();
      const process = (): Documents =>
        bindHotpath(new Documents(), createHotpath({ stores: { shared: store } }));
      await tagsSeenBefore(store, 'doc:1');
      await process().get('1');
      await turnEventLoop(3);
      await jest.advanceTimersByTimeAsync(40 * DAY);
      await process().get('1');
      expect(computed).toEqual(['1']);
      // The mark expires (this store never expires anything: drop it as the store would).
      map.delete('hotpath:tag:doc:1');
      await process().get('1');
      await turnEventLoop(3);
      await jest.advanceTimersByTimeAsync(1);
      await process().get('1');
      expect(computed).toEqual(['1', '1']);
    });
  });
});
