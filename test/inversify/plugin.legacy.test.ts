/**
 * `HotpathPlugin`: a container binds every decorated value it resolves to its registry without
 * a `services` list: the requested service, its constructor dependencies (seen in the plan),
 * values built by factories, and again after a rebind; undecorated values are untouched. Two
 * containers, two registries. Constructor injection needs `experimentalDecorators`.
 */
import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container, inject, injectable } from 'inversify';
import { cached, control, hotpath, type Hotpath } from '../../src/index.js';
import { HOTPATH_REGISTRY, HotpathPlugin, hotpathModule } from '../../src/inversify/index.js';
import { registryOf } from '../../src/registry/binding.js';

@injectable()
class Repository {
  loads = 0;

  @cached()
  async load(id: string): Promise<string> {
    this.loads++;
    return `row ${id}`;
  }
}

@injectable()
class Plain {
  hello(): string {
    return 'hi';
  }
}

@injectable()
class Service {
  constructor(
    @inject(Repository) readonly repo: Repository,
    @inject(Plain) readonly plain: Plain,
  ) {}

  @cached()
  async describe(id: string): Promise<string> {
    return `described ${await this.repo.load(id)}`;
  }
}

class Built {
  @cached()
  async value(): Promise<number> {
    return 1;
  }
}

function containerNamed(name: string): { container: Container; registry: () => Hotpath } {
  const container = new Container();
  container.register(HotpathPlugin);
  container.load(hotpathModule({ name }));
  container.bind(Repository).toSelf().inSingletonScope();
  container.bind(Plain).toSelf().inSingletonScope();
  container.bind(Service).toSelf().inSingletonScope();
  container.bind(Built).toDynamicValue(() => new Built());
  return { container, registry: () => container.get<Hotpath>(HOTPATH_REGISTRY) };
}

describe('HotpathPlugin', () => {
  it('binds the resolved service and its constructor dependencies, and leaves plain values alone', async () => {
    const { container, registry } = containerNamed('plugged');
    const service = container.get(Service);
    expect(registryOf(service)).toBe(registry());
    expect(registryOf(service.repo)).toBe(registry());
    expect(registryOf(service.plain)).toBe(hotpath);
    await service.describe('1');
    await service.describe('1');
    expect(Object.keys(registry().stats().methods).sort()).toEqual([
      'Repository.load',
      'Service.describe',
    ]);
    expect(control(service, 'describe').stats().cached).toMatchObject({ hits: 1, misses: 1 });
    await container.unbindAllAsync();
  });

  it('binds values built by factories, each resolution', () => {
    const { container, registry } = containerNamed('factories');
    const a = container.get(Built);
    const b = container.get(Built);
    expect(a).not.toBe(b);
    expect(registryOf(a)).toBe(registry());
    expect(registryOf(b)).toBe(registry());
  });

  it('binds again after a rebind (inversify drops the identifier activations)', async () => {
    const { container, registry } = containerNamed('rebound');
    container.get(Repository);
    (await container.rebindAsync(Repository)).toSelf();
    expect(registryOf(container.get(Repository))).toBe(registry());
  });

  it('gives two containers their own registries', () => {
    const one = containerNamed('one');
    const two = containerNamed('two');
    expect(registryOf(one.container.get(Service).repo).name).toBe('one');
    expect(registryOf(two.container.get(Service).repo).name).toBe('two');
  });

  it('refuses a decorated value from a container without hotpathModule()', () => {
    const container = new Container();
    container.register(HotpathPlugin);
    container.bind(Built).toDynamicValue(() => new Built());
    container.bind(Plain).toSelf();
    expect(container.get(Plain)).toBeInstanceOf(Plain);
    expect(() => container.get(Built)).toThrow(
      new TypeError(
        'hotpathActivation: this Built instance was resolved from a container without a hotpath registry (load hotpathModule() into it, or into a parent container)',
      ),
    );
  });
});
