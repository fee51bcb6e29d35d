/**
 * `hotpathModule()` with constructor injection (legacy decorators: inversify's parameter
 * decorators and `emitDecoratorMetadata` auto-wiring need `experimentalDecorators`).
 */
import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container, inject, injectable } from 'inversify';
import {
  bindHotpath,
  createHotpath,
  hotpath,
  HotpathError,
  use,
  type CacheStore,
  type Hotpath,
} from '../../src/index.js';
import {
  HOTPATH_CLOCK,
  HOTPATH_LIMITERS,
  HOTPATH_REGISTRY,
  HOTPATH_STORES,
  hotpathActivation,
  hotpathModule,
} from '../../src/inversify/index.js';

/** A store that records what it is asked, so tests can see which container's store a call reached. */
class RecordingStore implements CacheStore {
  readonly data = new Map<string, unknown>();
  disconnected = 0;
  get(key: string): unknown {
    return this.data.get(key);
  }
  set(key: string, value: unknown): boolean {
    this.data.set(key, value);
    return true;
  }
  delete(key: string): boolean {
    return this.data.delete(key);
  }
  disconnect(): void {
    this.disconnected++;
  }
}

/** Which registry each call ran in, seen from inside the middleware chain. */
const seen: Hotpath[] = [];

@injectable()
class UserRepository {
  find(id: string): { id: string } {
    return { id };
  }
}

@injectable()
class UserService {
  constructor(@inject(UserRepository) readonly repo: UserRepository) {}

  @use((call, next) => {
    seen.push(call.registry);
    return next();
  })
  get(id: string): { id: string } {
    return this.repo.find(id);
  }
}

/** Auto-wired from `design:paramtypes` (no @inject). */
@injectable()
class AutoWiredService {
  constructor(readonly repo: UserRepository) {}

  @use((call, next) => {
    seen.push(call.registry);
    return next();
  })
  get(id: string): { id: string } {
    return this.repo.find(id);
  }
}

function containerWith(config: Parameters<typeof hotpathModule>[0] = {}): Container {
  const container = new Container();
  container.load(hotpathModule({ services: [UserService, AutoWiredService], ...config }));
  container.bind(UserRepository).toSelf().inSingletonScope();
  container.bind(UserService).toSelf().inSingletonScope();
  container.bind(AutoWiredService).toSelf();
  return container;
}

describe('hotpathModule (constructor injection)', () => {
  it('resolves a decorated service with injected dependencies, bound to the container registry', () => {
    seen.length = 0;
    const container = containerWith({ name: 'app' });
    const service = container.get(UserService);
    expect(service.repo).toBe(container.get(UserRepository));
    expect(service.get('u1')).toEqual({ id: 'u1' });
    const registry = container.get<Hotpath>(HOTPATH_REGISTRY);
    // The class of every registry (the default one's): `Hotpath` is exported as a type only.
    expect(registry).toBeInstanceOf(hotpath.constructor);
    expect(registry.name).toBe('app');
    expect(seen).toEqual([registry]);
  });

  it('binds auto-wired services and every transient instance', () => {
    seen.length = 0;
    const container = containerWith();
    const a = container.get(AutoWiredService);
    const b = container.get(AutoWiredService);
    expect(a).not.toBe(b);
    expect(a.repo).toBeInstanceOf(UserRepository);
    a.get('1');
    b.get('2');
    const registry = container.get<Hotpath>(HOTPATH_REGISTRY);
    expect(seen).toEqual([registry, registry]);
  });

  it('gives two containers two registries, each with the stores of its own config', () => {
    seen.length = 0;
    const storeA = new RecordingStore();
    const storeB = new RecordingStore();
    const a = containerWith({ stores: { shared: storeA } });
    const b = containerWith({ stores: { shared: storeB } });
    const registryA = a.get<Hotpath>(HOTPATH_REGISTRY);
    const registryB = b.get<Hotpath>(HOTPATH_REGISTRY);
    expect(registryA).not.toBe(registryB);
    expect(registryA.stores.shared).toBe(storeA);
    expect(registryB.stores.shared).toBe(storeB);
    a.get(UserService).get('x');
    b.get(UserService).get('x');
    expect(seen).toEqual([registryA, registryB]);
  });

  it('builds the registry from providers the user binds under the tokens', () => {
    const store = new RecordingStore();
    // A clock has now(), setTimeout() and clearTimeout(): createHotpath refuses less.
    const clock = { now: () => 1234, setTimeout: () => 0, clearTimeout: () => undefined };
    const container = new Container();
    container.load(hotpathModule());
    container.bind(HOTPATH_STORES).toDynamicValue(() => ({ users: store }));
    container.bind(HOTPATH_LIMITERS).toConstantValue({ github: { limit: 5, interval: 1000 } });
    container.bind(HOTPATH_CLOCK).toConstantValue(clock);
    const registry = container.get<Hotpath>(HOTPATH_REGISTRY);
    expect(registry.stores).toEqual({ users: store });
    expect(registry.limiters).toEqual({ github: { limit: 5, interval: 1000 } });
    expect(registry.clock.now()).toBe(1234);
    expect(registry.bus).toBeUndefined();
    expect(registry.lock).toBeUndefined();
  });

  it('binds the config parts under their tokens', () => {
    const store = new RecordingStore();
    const container = containerWith({ stores: { s: store }, limiters: { api: { limit: 1 } } });
    expect(container.get(HOTPATH_STORES)).toEqual({ s: store });
    expect(container.get(HOTPATH_LIMITERS)).toEqual({ api: { limit: 1 } });
  });

  it('binds values of a binding that carries hotpathActivation, without `services`', () => {
    seen.length = 0;
    const container = new Container();
    container.load(hotpathModule());
    container.bind(UserRepository).toSelf();
    container.bind(UserService).toSelf().onActivation(hotpathActivation);
    container.get(UserService).get('1');
    expect(seen).toEqual([container.get(HOTPATH_REGISTRY)]);
  });

  it('leaves services it was not told about on the default registry', () => {
    seen.length = 0;
    const container = new Container();
    container.load(hotpathModule());
    container.bind(UserRepository).toSelf();
    container.bind(UserService).toSelf();
    container.get(UserService).get('1');
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toBe(container.get(HOTPATH_REGISTRY));
    expect(seen[0]!.name).toBe('default');
  });

  it('refuses to move one instance from one container registry to another', () => {
    const shared = new UserService(new UserRepository());
    const a = containerWith({ services: ['shared'] });
    const b = containerWith({ services: ['shared'] });
    a.bind('shared').toConstantValue(shared);
    b.bind('shared').toConstantValue(shared);
    expect(a.get('shared')).toBe(shared);
    expect(() => b.get('shared')).toThrow(
      "hotpathActivation: this UserService instance is already bound to the hotpath registry 'container'; " +
        "one instance cannot use two containers' registries (bind a new instance per container, e.g. inSingletonScope() instead of toConstantValue())",
    );
  });

  it('accepts an instance bound to the same registry beforehand', () => {
    const container = containerWith();
    const registry = container.get<Hotpath>(HOTPATH_REGISTRY);
    const instance = bindHotpath(new UserService(new UserRepository()), registry);
    container.rebind(UserService).toConstantValue(instance).onActivation(hotpathActivation);
    expect(container.get(UserService)).toBe(instance);
  });

  it('names the missing module when a container has no registry', () => {
    const container = new Container();
    container.bind(UserRepository).toSelf();
    container.bind(UserService).toSelf().onActivation(hotpathActivation);
    expect(() => container.get(UserService)).toThrow(
      new TypeError(
        'hotpathActivation: this UserService instance was resolved from a container without a hotpath registry (load hotpathModule() into it, or into a parent container)',
      ),
    );
  });

  it('binds a wrapped function (functional form) bound as a value', () => {
    const registries: Hotpath[] = [];
    const wrapped = use((call, next) => {
      registries.push(call.registry);
      return next();
    })(function double(n: number) {
      return n * 2;
    });
    const a = containerWith({ services: ['double'] });
    const b = containerWith({ services: ['double'] });
    a.bind('double').toConstantValue(wrapped);
    b.bind('double').toConstantValue(wrapped);
    expect(a.get<typeof wrapped>('double')(21)).toBe(42);
    expect(registries).toEqual([a.get(HOTPATH_REGISTRY)]);
    expect(() => b.get('double')).toThrow(
      "hotpathActivation: function double is already bound to the hotpath registry 'container'",
    );
  });

  it('passes values that are not objects through untouched', () => {
    const container = new Container();
    container.load(hotpathModule({ services: ['answer'] }));
    container.bind('answer').toConstantValue(42);
    expect(container.get('answer')).toBe(42);
  });

  it('shuts the registry down when the module is unloaded, closing its stores', async () => {
    seen.length = 0;
    const store = new RecordingStore();
    const module = hotpathModule({ stores: { s: store }, services: [UserService] });
    const container = new Container();
    container.load(module);
    container.bind(UserRepository).toSelf();
    container.bind(UserService).toSelf().inSingletonScope();
    const service = container.get(UserService);
    const registry = container.get<Hotpath>(HOTPATH_REGISTRY);
    service.get('before');
    await container.unloadAsync(module);
    expect(registry.closed).toBe(true);
    expect(store.disconnected).toBe(1);
    expect(() => service.get('after')).toThrow(
      new HotpathError(
        'E_SHUTDOWN',
        "UserService.get: the hotpath registry 'container' has been shut down and accepts no new calls",
      ),
    );
    expect(container.isBound(HOTPATH_REGISTRY)).toBe(false);
    expect(container.isBound(HOTPATH_STORES)).toBe(false);
  });

  it('removes its activations on unload: a reloaded module binds new instances to its new registry', async () => {
    seen.length = 0;
    const container = new Container();
    container.bind(UserRepository).toSelf();
    container.bind(UserService).toSelf();
    const first = hotpathModule({ services: [UserService] });
    container.load(first);
    const firstRegistry = container.get<Hotpath>(HOTPATH_REGISTRY);
    await container.unloadAsync(first);
    container.load(hotpathModule({ name: 'second', services: [UserService] }));
    container.get(UserService).get('1');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.name).toBe('second');
    expect(seen[0]).not.toBe(firstRegistry);
  });

  it('shuts the registry down when the container is torn down with unbindAllAsync()', async () => {
    const store = new RecordingStore();
    const container = containerWith({ stores: { s: store } });
    const registry = container.get<Hotpath>(HOTPATH_REGISTRY);
    await container.unbindAllAsync();
    expect(registry.closed).toBe(true);
    expect(store.disconnected).toBe(1);
  });

  it('with a synchronous unload(), inversify reports the asynchronous shutdown, which has started', async () => {
    const module = hotpathModule();
    const container = new Container();
    container.load(module);
    const registry = container.get<Hotpath>(HOTPATH_REGISTRY);
    expect(() => container.unload(module)).toThrow(
      'Unexpected asynchronous module unload. Consider using container.unloadAsync() instead.',
    );
    expect(registry.closed).toBe(true);
    await registry.shutdown();
  });

  it('does not build (or shut down) a registry nobody resolved', async () => {
    const store = new RecordingStore();
    const module = hotpathModule({ stores: { s: store } });
    const container = new Container();
    container.load(module);
    await container.unloadAsync(module);
    expect(store.disconnected).toBe(0);
  });

  it("resolves a child container's services with the parent's registry, or the child's own module", () => {
    seen.length = 0;
    const parent = containerWith({ name: 'parent' });
    const child = new Container({ parent });
    child.bind(UserService).toSelf();
    child.get(UserService).get('1');
    const ownModule = new Container({ parent });
    ownModule.load(hotpathModule({ name: 'child', services: [UserService] }));
    ownModule.bind(UserService).toSelf();
    ownModule.get(UserService).get('2');
    expect(seen.map((r) => r.name)).toEqual(['parent', 'child']);
  });

  it('uses one registry per container built from one module object loaded twice', () => {
    const module = hotpathModule({ services: [UserService] });
    const a = new Container();
    const b = new Container();
    a.load(module);
    b.load(module);
    expect(a.get(HOTPATH_REGISTRY)).not.toBe(b.get(HOTPATH_REGISTRY));
    expect(createHotpath()).not.toBe(a.get(HOTPATH_REGISTRY));
  });
});

describe('hotpathModule config errors', () => {
  it('rejects a config that is not an object', () => {
    expect(() => hotpathModule(null as never)).toThrow(
      new TypeError('hotpathModule: config must be an object, got null'),
    );
  });

  it('rejects `services` that is not an array of identifiers', () => {
    expect(() => hotpathModule({ services: UserService as never })).toThrow(
      new TypeError(
        `hotpathModule: \`services\` must be an array of service identifiers, got [class UserService]`,
      ),
    );
    expect(() => hotpathModule({ services: [UserService, 3 as never] })).toThrow(
      new TypeError(
        'hotpathModule: `services[1]` must be a service identifier (a class, string or symbol), got 3',
      ),
    );
  });
});
