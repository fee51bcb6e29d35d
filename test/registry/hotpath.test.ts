import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  HotpathError,
  createHotpath,
  hotpath,
  type InvalidationBus,
  type InvalidationTarget,
  bindHotpath,
  control,
} from '../../src/index.js';
import { createDecorator, registryRuntime } from '../../src/extend.js';
import { sleepMs, turnEventLoop } from '../helpers/time.js';

/**
 * A decorator keeping its figures the way hotpath's own do: per decorated method (the site its
 * layer is built for), in the registry of the instance called, with no `control()` of its own.
 */
const counting = createDecorator({
  name: 'counting',
  layer: () => ({
    decorator: 'counting',
    wrap: (inner, site) => (call) => {
      call.runtime.metric(site, 'count', () => ({ calls: 0 })).calls += 1;
      return inner(call);
    },
  }),
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('the registry', () => {
  it('has a default registry', () => {
    expect(hotpath.name).toBe('default');
    expect(hotpath.closed).toBe(false);
  });

  it('delivers errors to every listener with their context, and stops after off()', () => {
    const registry = createHotpath();
    const got: string[] = [];
    const off = registry.on('error', (e, info) => got.push(`${e.message}@${info.method}`));
    registryRuntime(registry).emitError(new Error('boom'), { method: 'A.b' });
    off();
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    registryRuntime(registry).emitError(new Error('later'));
    expect(got).toEqual(['boom@A.b']);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('falls back to one process warning per kind when nobody listens', () => {
    const registry = createHotpath({ name: 'quiet' });
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const storeError = () => new HotpathError('E_STORE', 'redis down');
    registryRuntime(registry).emitError(storeError(), { decorator: 'cached', method: 'S.get' });
    registryRuntime(registry).emitError(storeError(), { decorator: 'cached', method: 'S.get' });
    registryRuntime(registry).emitError(new HotpathError('E_CANCELLED', 'cancelled'), {
      decorator: 'debounce',
    });
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[0]).toEqual([
      "[hotpath:quiet] redis down in S.get (add registry.on('error', ...) to handle these; further ones of this kind are not printed)",
      { type: 'HotpathWarning' },
    ]);
  });

  it('never throws from emitError, even when a listener does', () => {
    const registry = createHotpath();
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    registry.on('error', () => {
      throw new Error('listener bug');
    });
    expect(() => registryRuntime(registry).emitError(new Error('x'))).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('delivers slow events', () => {
    const registry = createHotpath();
    const slow = jest.fn();
    expect(registryRuntime(registry).hasListeners('slow')).toBe(false);
    registry.on('slow', slow);
    registryRuntime(registry).emitSlow({
      method: 'A.b',
      durationMs: 12,
      thresholdMs: 10,
      error: false,
    });
    expect(slow).toHaveBeenCalledWith({
      method: 'A.b',
      durationMs: 12,
      thresholdMs: 10,
      error: false,
    });
  });

  it('collects per-method figures as JSON and prints them as a table', () => {
    const registry = createHotpath({ name: 'r' });
    const m = registryRuntime(registry).metric('UserService.getUser', 'cached', () => ({
      hits: 0,
      misses: 0,
      meanMs: 0,
    }));
    m.hits += 1200;
    m.misses += 3;
    m.meanMs = 0.25;
    expect(
      registryRuntime(registry).metric('UserService.getUser', 'cached', () => ({ hits: -1 })),
    ).toBe(m);
    registryRuntime(registry).section('memory', () => ({ trend: 'stable' }));
    const stats = registry.stats();
    expect(stats).toEqual({
      registry: 'r',
      methods: { 'UserService.getUser': { cached: { hits: 1200, misses: 3, meanMs: 0.25 } } },
      memory: { trend: 'stable' },
    });
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
    expect(registry.report()).toBe(
      [
        "hotpath report — registry 'r'",
        '',
        '@cached',
        'method                hits  misses      mean',
        'UserService.getUser  1,200       3  250.0 µs',
        '',
        'memory  trend stable',
      ].join('\n'),
    );
  });

  it("keeps the figures of two same-named classes apart, and merges a method's decorators into one row", () => {
    const registry = createHotpath({ name: 'same-names' });
    // Two classes named Repo (declarations: legacy decorators do not apply to class expressions).
    const A = (() => {
      class Repo {
        @counting
        find(): number {
          return 1;
        }
      }
      return Repo;
    })();
    const B = (() => {
      class Repo {
        @counting
        find(): number {
          return 2;
        }
      }
      return Repo;
    })();
    const a = bindHotpath(new A(), registry);
    const b = bindHotpath(new B(), registry);
    a.find();
    b.find();
    b.find();
    expect(control(a, 'find').stats()).toEqual({});
    // Figures under a plain name join the row of the method that has that name first.
    registryRuntime(registry).metric('Repo.find', 'profile', () => ({ count: 3 }));
    expect(registry.stats().methods).toEqual({
      'Repo.find': { count: { calls: 1 }, profile: { count: 3 } },
      'Repo.find (2)': { count: { calls: 2 } },
    });
  });

  it('runs shutdown hooks once: flush first, then stop, then closes bus and stores', async () => {
    const order: string[] = [];
    const store = {
      get: async () => undefined,
      set: async () => true,
      delete: async () => true,
      disconnect: async () => void order.push('store closed'),
    };
    const bus: InvalidationBus = {
      publish: () => undefined,
      subscribe: () => () => order.push('bus unsubscribed'),
      close: () => void order.push('bus closed'),
    };
    const registry = createHotpath({ stores: { mem: store }, bus });
    registryRuntime(registry).onShutdown(() => void order.push('stop'), 'stop');
    registryRuntime(registry).onShutdown(async () => {
      await sleepMs(5);
      order.push('flush');
    });
    const remove = registryRuntime(registry).onShutdown(() => void order.push('removed'));
    remove();
    const first = registry.shutdown();
    expect(registry.shutdown()).toBe(first);
    expect(registry.closed).toBe(true);
    await first;
    expect(order).toEqual(['flush', 'stop', 'bus unsubscribed', 'bus closed', 'store closed']);
  });

  it('reports failing shutdown hooks on the error event and still finishes', async () => {
    const registry = createHotpath();
    const errors: Error[] = [];
    registry.on('error', (e) => errors.push(e));
    registryRuntime(registry).onShutdown(() => {
      throw new Error('flush failed');
    });
    await expect(registry.shutdown()).resolves.toEqual({ abandoned: [] });
    expect(errors.map((e) => e.message)).toEqual(['flush failed']);
  });

  it('attaches an error listener to stores so their errors never crash the process', () => {
    let listener: ((e: unknown) => void) | undefined;
    const store = {
      get: () => undefined,
      set: () => true,
      delete: () => true,
      on: (_event: 'error', l: (e: unknown) => void) => (listener = l),
    };
    const registry = createHotpath({ stores: { redis: store } });
    const errors: Error[] = [];
    registry.on('error', (e, info) => errors.push(Object.assign(e, { store: info.store })));
    listener!(new Error('ECONNREFUSED'));
    expect(errors[0]).toMatchObject({
      code: 'E_STORE',
      message: "registry 'hotpath': store 'redis' reported an error: ECONNREFUSED",
      store: 'redis',
    });
  });

  it('sends invalidations to every invalidator locally and to the bus, and remote ones locally only', async () => {
    let deliver: ((t: InvalidationTarget) => void) | undefined;
    let resync: (() => void) | undefined;
    const published: InvalidationTarget[] = [];
    const bus: InvalidationBus = {
      publish: (t) => void published.push(t),
      subscribe: (onMessage, onResync) => {
        deliver = onMessage;
        resync = onResync;
      },
    };
    const registry = createHotpath({ bus });
    const seen: string[] = [];
    registryRuntime(registry).addInvalidator({
      invalidate: (t, origin) => void seen.push(`${origin}:${t.tags?.join()}`),
      dropLocal: () => void seen.push('dropLocal'),
    });
    await registry.invalidate({ tags: ['user:1'] });
    deliver!({ tags: ['user:2'] });
    resync!();
    await turnEventLoop(1);
    expect(published).toEqual([{ tags: ['user:1'] }]);
    expect(seen).toEqual(['local:user:1', 'remote:user:2', 'dropLocal']);
  });

  it('turns a failing invalidator or bus into error events, never a rejection', async () => {
    const registry = createHotpath({
      bus: {
        publish: () => Promise.reject(new Error('bus down')),
        subscribe: () => undefined,
      },
    });
    const errors: string[] = [];
    registry.on('error', (e) => errors.push(e.message));
    registryRuntime(registry).addInvalidator({
      invalidate: () => Promise.reject(new Error('tier down')),
      dropLocal: () => undefined,
    });
    await expect(registry.invalidate({ namespace: 'x' })).resolves.toBeUndefined();
    expect(errors).toEqual([
      'tier down',
      'registry.invalidate: publishing on the bus failed: bus down',
    ]);
  });
});
