/**
 * Decorated services resolved from containers (constructor injection, legacy decorators):
 * `@cached` writes to its container's store, `@rateLimit` uses its container's named limiter,
 * and unloading the module flushes pending `@batched` work.
 */
import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container, inject, injectable } from 'inversify';
import { batched, cached, rateLimit, RateLimitError, type CacheStore } from '../../src/index.js';
import { hotpathModule } from '../../src/inversify/index.js';
import { turnEventLoop } from '../helpers/time.js';

/** A shared tier that keeps what it is given, so a test can see which container's store was written. */
class RecordingStore implements CacheStore {
  readonly data = new Map<string, unknown>();
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
}

@injectable()
class ProfileRepository {
  finds: string[] = [];
  saved: string[][] = [];
  async find(id: string): Promise<{ id: string; read: number }> {
    this.finds.push(id);
    return { id, read: this.finds.length };
  }
  async save(ids: string[]): Promise<void> {
    this.saved.push([...ids]);
  }
}

@injectable()
class ProfileService {
  constructor(@inject(ProfileRepository) readonly repo: ProfileRepository) {}

  @cached({ ttl: '1m', store: 'shared' })
  async get(id: string): Promise<{ id: string; read: number }> {
    return this.repo.find(id);
  }

  @rateLimit({ limiter: 'api', onLimit: 'reject' })
  async ping(): Promise<string> {
    return 'pong';
  }

  @batched({ maxWait: '1m' })
  async touch(ids: string[]): Promise<void> {
    await this.repo.save(ids);
  }
}

function appContainer(
  store: CacheStore,
  apiLimit = 1,
): { container: Container; module: ReturnType<typeof hotpathModule> } {
  const module = hotpathModule({
    stores: { shared: store },
    limiters: { api: { limit: apiLimit, interval: '1m' } },
    services: [ProfileService],
  });
  const container = new Container();
  container.load(module);
  container.bind(ProfileRepository).toSelf().inSingletonScope();
  container.bind(ProfileService).toSelf().inSingletonScope();
  return { container, module };
}

/** Cache entries a store holds (keys with `#`; the others are invalidation marks). */
const entryCount = (data: Map<string, unknown>): number =>
  [...data.keys()].filter((k) => k.includes('#')).length;

describe('decorated services in containers', () => {
  it("puts @cached entries in its own container's store and not another container's", async () => {
    const storeA = new RecordingStore();
    const storeB = new RecordingStore();
    const a = appContainer(storeA);
    const b = appContainer(storeB);
    const serviceA = a.container.get(ProfileService);
    const serviceB = b.container.get(ProfileService);

    await expect(serviceA.get('u1')).resolves.toEqual({ id: 'u1', read: 1 });
    await turnEventLoop();
    expect(entryCount(storeA.data)).toBe(1);
    expect(entryCount(storeB.data)).toBe(0);

    // B's first call misses (its store is empty) and reads through its own repository.
    await expect(serviceB.get('u1')).resolves.toEqual({ id: 'u1', read: 1 });
    await turnEventLoop();
    expect(entryCount(storeB.data)).toBe(1);
    expect([...storeB.data.keys()]).toEqual([...storeA.data.keys()]);
    expect(serviceA.repo.finds).toEqual(['u1']);
    expect(serviceB.repo.finds).toEqual(['u1']);

    await a.container.unloadAsync(a.module);
    await b.container.unloadAsync(b.module);
  });

  it('serves a fresh instance from its container store, not from the repository', async () => {
    const store = new RecordingStore();
    const module = hotpathModule({ stores: { shared: store }, services: [ProfileService] });
    const container = new Container();
    container.load(module);
    container.bind(ProfileRepository).toSelf().inSingletonScope();
    container.bind(ProfileService).toSelf(); // transient: each get() is a new instance
    const first = container.get(ProfileService);
    await first.get('u2');
    await turnEventLoop();
    const second = container.get(ProfileService);
    expect(second).not.toBe(first);
    await expect(second.get('u2')).resolves.toEqual({ id: 'u2', read: 1 });
    expect(first.repo.finds).toEqual(['u2']);
    await container.unloadAsync(module);
  });

  it("honours the named limiter of the container's config, one budget per container", async () => {
    const a = appContainer(new RecordingStore(), 1);
    const b = appContainer(new RecordingStore(), 2);
    const serviceA = a.container.get(ProfileService);
    const serviceB = b.container.get(ProfileService);
    await expect(serviceA.ping()).resolves.toBe('pong');
    await expect(serviceA.ping()).rejects.toBeInstanceOf(RateLimitError);
    // B has its own 'api' limiter (limit 2), untouched by A's calls.
    await expect(serviceB.ping()).resolves.toBe('pong');
    await expect(serviceB.ping()).resolves.toBe('pong');
    await expect(serviceB.ping()).rejects.toMatchObject({ code: 'E_RATE_LIMITED' });
    await a.container.unloadAsync(a.module);
    await b.container.unloadAsync(b.module);
  });

  it('flushes pending @batched work when the module is unloaded', async () => {
    const { container, module } = appContainer(new RecordingStore());
    const service = container.get(ProfileService);
    const first = service.touch(['u1']);
    const second = service.touch(['u2']);
    await turnEventLoop();
    expect(service.repo.saved).toEqual([]); // maxWait is a minute: nothing written yet
    await container.unloadAsync(module);
    expect(service.repo.saved).toEqual([['u1', 'u2']]);
    await expect(first).resolves.toBeUndefined();
    await expect(second).resolves.toBeUndefined();
    await expect(service.touch(['late'])).rejects.toMatchObject({ code: 'E_SHUTDOWN' });
  });
});
