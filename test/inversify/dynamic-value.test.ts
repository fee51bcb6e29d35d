/**
 * The TC39 route: no inversify decorators (TC39 has no parameter decorators), services built
 * in `toDynamicValue` factories. Runs in both Jest projects: the route works for legacy code too.
 */
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { cached, Hotpath, use, type CacheStore } from '../../src/index.js';
import { HOTPATH_REGISTRY, hotpathActivation, hotpathModule } from '../../src/inversify/index.js';

const seen: Hotpath[] = [];

class OrderRepository {
  find(id: string): { id: string } {
    return { id };
  }
}

class OrderService {
  constructor(readonly repo: OrderRepository) {}

  @use((call, next) => {
    seen.push(call.registry);
    return next();
  })
  get(id: string): { id: string } {
    return this.repo.find(id);
  }
}

class PriceService {
  reads = 0;

  @cached({ store: 'prices' })
  async price(sku: string): Promise<number> {
    this.reads++;
    return sku.length * 100;
  }
}

/** A shared tier backed by a Map. */
function mapStore(): CacheStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: (key) => data.get(key),
    set: (key, value) => void data.set(key, value),
    delete: (key) => data.delete(key),
  };
}

describe('hotpathModule with toDynamicValue (TC39 route)', () => {
  it('binds a service built in a factory through hotpathActivation(ctx, instance)', () => {
    seen.length = 0;
    const container = new Container();
    container.load(hotpathModule({ name: 'orders' }));
    container.bind(OrderRepository).toConstantValue(new OrderRepository());
    container
      .bind(OrderService)
      .toDynamicValue((ctx) => hotpathActivation(ctx, new OrderService(ctx.get(OrderRepository))))
      .inSingletonScope();
    const service = container.get(OrderService);
    expect(service.get('o1')).toEqual({ id: 'o1' });
    expect(service.repo).toBe(container.get(OrderRepository));
    expect(seen).toEqual([container.get(HOTPATH_REGISTRY)]);
    expect(seen[0]!.name).toBe('orders');
  });

  it('binds factory-built services listed in `services`, one registry per container', () => {
    seen.length = 0;
    const module = hotpathModule({ services: [OrderService] });
    const make = (): Container => {
      const container = new Container();
      container.load(module);
      container.bind(OrderService).toDynamicValue(() => new OrderService(new OrderRepository()));
      return container;
    };
    const a = make();
    const b = make();
    a.get(OrderService).get('1');
    b.get(OrderService).get('1');
    expect(seen).toEqual([a.get(HOTPATH_REGISTRY), b.get(HOTPATH_REGISTRY)]);
    expect(seen[0]).not.toBe(seen[1]);
  });

  it('shuts the registry down on unloadAsync', async () => {
    const module = hotpathModule({ services: [OrderService] });
    const container = new Container();
    container.load(module);
    container.bind(OrderService).toDynamicValue(() => new OrderService(new OrderRepository()));
    const service = container.get(OrderService);
    const registry = container.get<Hotpath>(HOTPATH_REGISTRY);
    await container.unloadAsync(module);
    expect(registry.closed).toBe(true);
    expect(() => service.get('late')).toThrow(
      "OrderService.get: the hotpath registry 'container' has been shut down and accepts no new calls",
    );
  });

  it("puts a factory-built service's @cached entries in its container's store only", async () => {
    const make = (store: CacheStore): Container => {
      const container = new Container();
      container.load(hotpathModule({ stores: { prices: store } }));
      container
        .bind(PriceService)
        .toDynamicValue((ctx) => hotpathActivation(ctx, new PriceService()))
        .inSingletonScope();
      return container;
    };
    const storeA = mapStore();
    const storeB = mapStore();
    const a = make(storeA);
    const b = make(storeB);
    await expect(a.get(PriceService).price('abc')).resolves.toBe(300);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect([...storeA.data.keys()].filter((k) => k.includes('#'))).toHaveLength(1);
    expect(storeB.data.size).toBe(0);
    await expect(b.get(PriceService).price('abc')).resolves.toBe(300);
    expect(b.get(PriceService).reads).toBe(1);
    await a.unbindAllAsync();
    await b.unbindAllAsync();
  });
});
