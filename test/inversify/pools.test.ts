/**
 * Pools as container providers: `HOTPATH_POOLS` bound to a factory gives each container its
 * own pools (a pool belongs to one registry), `@withResource('db')` in a service the container
 * resolves leases from that container's pool, and tearing the container down shuts its pools.
 * TC39 route (`toDynamicValue`), so it runs in both decorator modes.
 */
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import { pool, resource, withResource, type ResourcePool } from '../../src/index.js';
import { HOTPATH_POOLS, hotpathActivation, hotpathModule } from '../../src/inversify/index.js';

class Conn {
  constructor(readonly container: string) {}
  open = true;
}

class Repo {
  @withResource('db')
  async owner(): Promise<string> {
    return resource<Conn>('db').container;
  }
}

function containerWithPool(name: string, made: ResourcePool<Conn>[]): Container {
  const container = new Container();
  container.load(hotpathModule({ name }));
  container
    .bind(HOTPATH_POOLS)
    .toDynamicValue(() => {
      const db = pool<Conn>({
        create: () => new Conn(name),
        destroy: (c) => void (c.open = false),
      });
      made.push(db);
      return { db };
    })
    .inSingletonScope();
  container
    .bind(Repo)
    .toDynamicValue((ctx) => hotpathActivation(ctx, new Repo()))
    .inSingletonScope();
  return container;
}

describe('pools bound as container providers (HOTPATH_POOLS)', () => {
  it('gives each container its own pool, and shuts it down with the container', async () => {
    const made: ResourcePool<Conn>[] = [];
    const [a, b] = [containerWithPool('a', made), containerWithPool('b', made)];
    expect([await a.get(Repo).owner(), await b.get(Repo).owner()]).toEqual(['a', 'b']);
    expect(made.map((p) => p.stats().leases)).toEqual([1, 1]);
    await a.unbindAllAsync();
    await b.unbindAllAsync();
    expect(made.map((p) => [p.closed, p.stats().size])).toEqual([
      [true, 0],
      [true, 0],
    ]);
  });
});
