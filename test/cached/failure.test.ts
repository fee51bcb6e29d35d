import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import {
  bindHotpath,
  cached,
  control,
  createHotpath,
  withBreaker,
  type CacheStore,
  type Hotpath,
} from '../../src/index.js';
import { ControlledStore } from '../helpers/controlled-store.js';

let runs = 0;

class Prices {
  @cached({ store: 'remote', storeTimeout: 250 })
  async price(sku: string): Promise<string> {
    runs++;
    return `price:${sku}:${runs}`;
  }
}

/** The entry keys a store holds (not the invalidation marks). */
function entriesOf(store: ControlledStore): string[] {
  return [...store.data.keys()].filter((k) => k.includes('#'));
}

function registryWith(store: CacheStore): { registry: Hotpath; errors: string[] } {
  const registry = createHotpath({ name: 'failing', stores: { remote: store } });
  const errors: string[] = [];
  registry.on('error', (e, info) =>
    errors.push(`${(e as { code?: string }).code} ${info.store}: ${e.message}`),
  );
  return { registry, errors };
}

describe('@cached when the shared tier fails', () => {
  afterEach(() => {
    runs = 0;
    jest.useRealTimers();
  });

  it('answers within storeTimeout when the store hangs, then the breaker skips the store', async () => {
    jest.useFakeTimers();
    const store = new ControlledStore();
    store.mode = 'hang';
    const { registry, errors } = registryWith(store);
    const svc = bindHotpath(new Prices(), registry);

    let settled: string | undefined;
    void svc.price('a').then((v) => (settled = v));
    await jest.advanceTimersByTimeAsync(249);
    expect(settled).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(settled).toBe('price:a:1');
    expect(errors[0]).toBe(
      "E_STORE remote: @cached on Prices.price: store 'remote' get timed out after 250 ms",
    );

    // A read costs three operations at once (the entry, and the store's and the namespace's
    // marks it is judged by; its write reuses those pending mark reads): the second call's
    // failures open the breaker (5 in a row), after which calls no longer touch the store.
    for (const sku of ['b', 'c', 'd', 'e']) {
      const p = svc.price(sku);
      await jest.advanceTimersByTimeAsync(500);
      await expect(p).resolves.toBe(`price:${sku}:${runs}`);
    }
    expect(errors).toContain(
      "E_STORE remote: @cached on Prices.price: store 'remote' failed 5 times in a row; skipping it for 10000 ms",
    );
    const callsWhenOpen = store.calls;
    const quick = svc.price('f');
    await Promise.resolve();
    await expect(quick).resolves.toBe('price:f:6');
    expect(store.calls).toBe(callsWhenOpen);
    // Memory hits keep serving all the while.
    await expect(svc.price('a')).resolves.toBe('price:a:1');
    expect(control(svc, 'price').stats().cached).toMatchObject({
      storeTimeouts: 6,
      storeErrors: 0,
      storeReadsAbandoned: 2,
      breaker: { remote: 'open' },
    });
    expect(
      (control(svc, 'price').stats().cached as { storeSkipped: number }).storeSkipped,
    ).toBeGreaterThan(0);
  });

  it('bounds the whole read of a tier by storeTimeout, even when each operation is just under it', async () => {
    jest.useFakeTimers();
    const data = new Map<string, unknown>();
    let delay = 0;
    const answer = <T>(value: () => T): Promise<T> =>
      new Promise((r) => setTimeout(() => r(value()), delay));
    const slow: CacheStore = {
      get: (key) => answer(() => data.get(key)),
      set: (key, value) => answer(() => data.set(key, value) && true),
      delete: (key) => answer(() => data.delete(key)),
    };
    class Tagged {
      @cached({ store: 'remote', storeTimeout: 250, tags: () => ['prices'] })
      async price(sku: string): Promise<string> {
        runs++;
        return `price:${sku}:${runs}`;
      }
    }
    // Another process wrote the entry (its second value: the first under a new tag is not shared).
    const writer = bindHotpath(new Tagged(), createHotpath({ stores: { remote: slow } }));
    for (const sku of ['a', 'b']) {
      const p = writer.price(sku);
      await jest.advanceTimersByTimeAsync(10);
      await p;
    }
    expect([...data.keys()]).toContain("hotpath:Tagged.price#'b");
    delay = 200;
    const { registry, errors } = registryWith(slow);
    const svc = bindHotpath(new Tagged(), registry);
    let settled: string | undefined;
    // The entry (200 ms, with the store's and namespace's marks alongside), then its tag's mark
    // (200 ms): 400 ms, abandoned at 250.
    void svc.price('b').then((v) => (settled = v));
    await jest.advanceTimersByTimeAsync(249);
    expect(settled).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(settled).toBe('price:b:3');
    await jest.advanceTimersByTimeAsync(1_000);
    expect(errors).toEqual([]);
    expect(control(svc, 'price').stats().cached).toMatchObject({
      storeReadsAbandoned: 1,
      storeTimeouts: 0,
      breaker: { remote: 'closed' },
    });
  });

  it('tries again after the cooldown and closes the breaker when the store is back', async () => {
    jest.useFakeTimers();
    const store = withBreaker(new ControlledStore(), { failures: 2, cooldown: '1s' });
    store.mode = 'fail';
    const { registry, errors } = registryWith(store);
    const svc = bindHotpath(new Prices(), registry);
    await expect(svc.price('a')).resolves.toBe('price:a:1');
    // Three reads at once (the entry and two marks): the second failure opens the breaker.
    expect(errors).toEqual([
      "E_STORE remote: @cached on Prices.price: store 'remote' get failed: ECONNREFUSED",
      "E_STORE remote: @cached on Prices.price: store 'remote' get failed: ECONNREFUSED",
      "E_STORE remote: @cached on Prices.price: store 'remote' failed 2 times in a row; skipping it for 1000 ms",
      "E_STORE remote: @cached on Prices.price: store 'remote' get failed: ECONNREFUSED",
    ]);
    expect(control(svc, 'price').stats().cached).toMatchObject({ breaker: { remote: 'open' } });
    store.mode = 'ok';
    await svc.price('b');
    expect(store.calls).toBe(3);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(control(svc, 'price').stats().cached).toMatchObject({
      breaker: { remote: 'half-open' },
    });
    await svc.price('c');
    await jest.advanceTimersByTimeAsync(0);
    expect(control(svc, 'price').stats().cached).toMatchObject({ breaker: { remote: 'closed' } });
    // The half-open trial let only the entry's read through, not the marks it is judged by:
    // found missing only when 'c' was written, they make it too old to share. The next one is.
    await svc.price('d');
    await jest.advanceTimersByTimeAsync(0);
    expect(entriesOf(store)).toEqual(["hotpath:Prices.price#'d"]);
  });

  it('survives the store dying mid-run and coming back, never failing a caller', async () => {
    jest.useFakeTimers();
    const store = withBreaker(new ControlledStore(), { failures: 3, cooldown: '2s' });
    const { registry } = registryWith(store);
    registry.on('error', () => {});
    const svc = bindHotpath(new Prices(), registry);
    const ask = async (sku: string): Promise<string> => {
      const p = svc.price(sku);
      await jest.advanceTimersByTimeAsync(300);
      return p;
    };
    expect(await ask('a')).toBe('price:a:1');
    store.mode = 'fail';
    expect(await ask('b')).toBe('price:b:2');
    store.mode = 'hang';
    expect(await ask('c')).toBe('price:c:3');
    expect(await ask('a')).toBe('price:a:1');
    store.mode = 'ok';
    await jest.advanceTimersByTimeAsync(2_000);
    expect(await ask('d')).toBe('price:d:4');
    await jest.advanceTimersByTimeAsync(0);
    // A fresh process reads what the recovered store holds.
    const other = bindHotpath(new Prices(), createHotpath({ stores: { remote: store } }));
    expect(await other.price('d')).toBe('price:d:4');
  });

  it('answers every call with the fresh value within storeTimeout when the store points at a closed port', async () => {
    const keyv = new Keyv(new KeyvRedis('redis://127.0.0.1:1'));
    const store = withBreaker(keyv, { failures: 3, cooldown: '1m' });
    const registry = createHotpath({ stores: { down: store } });
    const errors: string[] = [];
    registry.on('error', (e) => errors.push(e.message));
    class Svc {
      @cached({ store: 'down', storeTimeout: 200 })
      async get(id: number): Promise<number> {
        runs++;
        return id * 10;
      }
    }
    const svc = bindHotpath(new Svc(), registry);
    try {
      for (let id = 1; id <= 4; id++) {
        const started = Date.now();
        expect(await svc.get(id)).toBe(id * 10);
        // One read bounded by storeTimeout (200 ms), plus slack for a loaded machine.
        expect(Date.now() - started).toBeLessThan(600);
      }
      expect(runs).toBe(4);
      expect(
        errors.some((m) =>
          m.includes("store 'down' failed 3 times in a row; skipping it for 60000 ms"),
        ),
      ).toBe(true);
      const started = Date.now();
      expect(await svc.get(5)).toBe(50);
      expect(Date.now() - started).toBeLessThan(100);
      expect(control(svc, 'get').stats().cached).toMatchObject({ breaker: { down: 'open' } });
    } finally {
      await registry.shutdown();
    }
  });

  it('publishes store failures as store-error events', async () => {
    const events: Record<string, unknown>[] = [];
    const listener = (e: unknown): void => void events.push(e as Record<string, unknown>);
    subscribe('hotpath:event', listener);
    try {
      const store = new ControlledStore();
      store.mode = 'fail';
      const { registry } = registryWith(store);
      await bindHotpath(new Prices(), registry).price('z');
      const mine = events.filter((e) => e.event === 'store-error');
      // The read's entry and marks, then the write's marks (a failed read is not remembered):
      // the fifth failure opens the breaker.
      const failure = [
        'Prices.price',
        'remote',
        "@cached on Prices.price: store 'remote' get failed: ECONNREFUSED",
      ];
      expect(mine.map((e) => [e.method, e.store, (e.error as Error).message])).toEqual([
        failure,
        failure,
        failure,
        failure,
        failure,
        [
          'Prices.price',
          'remote',
          "@cached on Prices.price: store 'remote' failed 5 times in a row; skipping it for 10000 ms",
        ],
      ]);
    } finally {
      unsubscribe('hotpath:event', listener);
    }
  });

  it('rejects with E_CONFIG when distributedLock is set and the registry has no lock', async () => {
    class Locked {
      @cached({ store: 'remote', distributedLock: true })
      async get(): Promise<number> {
        return 1;
      }
    }
    const { registry } = registryWith(new ControlledStore());
    await expect(bindHotpath(new Locked(), registry).get()).rejects.toMatchObject({
      code: 'E_CONFIG',
      message:
        "@cached on Locked.get: `distributedLock` needs a lock in registry 'failing' (createHotpath({ lock }), e.g. from hotpath/redis)",
    });
  });

  it('checks withBreaker settings and its store, naming them', () => {
    const store = new ControlledStore();
    expect(() => withBreaker(store, { failures: 0 })).toThrow(
      new TypeError('withBreaker: `failures` must be a positive integer or Infinity, got 0'),
    );
    expect(() => withBreaker(store, { cooldown: 'soon' })).toThrow(
      new TypeError(
        "withBreaker: `cooldown` must be a duration (milliseconds or a string like '5m'), got 'soon'",
      ),
    );
    expect(() => withBreaker(store, { failure: 3 } as never)).toThrow(
      new TypeError('withBreaker: unknown option `failure` (did you mean `failures`?)'),
    );
    expect(() => withBreaker(store, { coldown: '1m' } as never)).toThrow(
      new TypeError('withBreaker: unknown option `coldown` (did you mean `cooldown`?)'),
    );
    expect(() => withBreaker(store, 3 as never)).toThrow(
      new TypeError('withBreaker: options must be an object, got 3'),
    );
    expect(() => withBreaker({ get: () => undefined }, { failures: 3 })).toThrow(
      new TypeError(
        'withBreaker: `store` must be a keyv instance or a store with get(), set() and delete(), got { get: [Function: get] } (it has no set() or delete())',
      ),
    );
    expect(() => withBreaker('redis://localhost:6379' as never, { failures: 3 })).toThrow(
      new TypeError(
        "withBreaker: `store` must be a keyv instance or a store with get(), set() and delete(), got 'redis://localhost:6379' (for a Redis URL, redisStore(url) from hotpath/redis makes one)",
      ),
    );
    expect(withBreaker(store, { failures: Infinity, cooldown: '30s' })).toBe(store);
  });
});
