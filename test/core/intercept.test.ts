import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  HotpathError,
  bindHotpath,
  control,
  createHotpath,
  use,
  type Middleware,
} from '../../src/index.js';
import { createDecorator, registryRuntime, type Layer } from '../../src/extend.js';
import { Call } from '../../src/core/call.js';
import { LEGACY } from '../helpers/mode.js';
import { sleepMs } from '../helpers/time.js';

/** A test decorator that counts calls per owner, exercising per-owner state and control(). */
function counting() {
  return createDecorator({
    name: 'counting',
    targets: ['method', 'getter', 'function'],
    layer(): Layer {
      const counts = new WeakMap<object, number>();
      return {
        decorator: 'counting',
        wrap: (inner) => (call) => {
          counts.set(call.owner, (counts.get(call.owner) ?? 0) + 1);
          return inner(call);
        },
        control: {
          stats: (ctx) => ({ calls: counts.get(ctx.owner) ?? 0 }),
          reset: (ctx) => void counts.delete(ctx.owner),
        },
      };
    },
  });
}

describe('the interception core', () => {
  it('keeps state per instance: two instances never share it', () => {
    class Counter {
      constructor(readonly base: number) {}
      @counting()
      add(n: number): number {
        return this.base + n;
      }
    }
    const a = new Counter(1);
    const b = new Counter(100);
    expect(a.add(1)).toBe(2);
    expect(a.add(2)).toBe(3);
    expect(b.add(1)).toBe(101);
    expect(control(a, 'add').stats()).toEqual({ counting: { calls: 2 } });
    expect(control(b, 'add').stats()).toEqual({ counting: { calls: 1 } });
    control(a, 'add').reset();
    expect(control(a, 'add').stats()).toEqual({ counting: { calls: 0 } });
    expect(control(b, 'add').stats()).toEqual({ counting: { calls: 1 } });
  });

  it('decorates static methods, keyed by the constructor', () => {
    class Config {
      static prefix = 'cfg:';
      @counting()
      static key(name: string): string {
        return this.prefix + name;
      }
    }
    expect(Config.key('a')).toBe('cfg:a');
    expect(Config.key('b')).toBe('cfg:b');
    expect(control(Config, 'key').stats()).toEqual({ counting: { calls: 2 } });
  });

  it('names the declaring class, also when a subclass instance makes the first call', () => {
    const seen: string[] = [];
    const spy: Middleware = (call, next) => {
      seen.push(`${call.className}.${call.method}`);
      return next();
    };
    class Base {
      @use(spy)
      hello(): string {
        return 'base';
      }
    }
    class Derived extends Base {}
    expect(new Derived().hello()).toBe('base');
    expect(new Base().hello()).toBe('base');
    expect(seen).toEqual(['Base.hello', 'Base.hello']);
  });

  it('lets a subclass override a decorated method and call super', () => {
    const order: string[] = [];
    const tag =
      (label: string): Middleware =>
      (call, next) => {
        order.push(`${label}:${call.className}`);
        return next();
      };
    class Repo {
      @use(tag('repo'))
      find(id: number): string {
        return `repo-${id}`;
      }
    }
    class CachedRepo extends Repo {
      @use(tag('cached'))
      override find(id: number): string {
        return `cached(${super.find(id)})`;
      }
    }
    expect(new CachedRepo().find(7)).toBe('cached(repo-7)');
    expect(order).toEqual(['cached:CachedRepo', 'repo:Repo']);
  });

  it('wraps plain functions; the state belongs to the wrapped function', () => {
    const double = counting()((n: number) => n * 2);
    const triple = counting()(function triple(n: number) {
      return n * 3;
    });
    expect(double(2)).toBe(4);
    expect(double(3)).toBe(6);
    expect(triple(1)).toBe(3);
    expect(control(double).stats()).toEqual({ counting: { calls: 2 } });
    expect(control(triple).stats()).toEqual({ counting: { calls: 1 } });
    expect(triple.name).toBe('triple');
  });

  it('reaches through a functional wrapper of a wrapper in control()', () => {
    const inner = counting()((n: number) => n + 1);
    const outer = use((call, next) => next())(inner);
    expect(outer(1)).toBe(2);
    expect(control(outer).stats()).toEqual({ counting: { calls: 1 } });
  });

  it('decorates getters when the decorator allows them', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const onGetter = counting() as (...args: any[]) => any;
    class Box {
      n = 0;
      @onGetter
      get next(): number {
        return ++this.n;
      }
    }
    const box = new Box();
    expect(box.next).toBe(1);
    expect(box.next).toBe(2);
    expect(control(box, 'next').stats()).toEqual({ counting: { calls: 2 } });
  });

  it('keeps the method name and arity', () => {
    class Svc {
      @counting()
      find(a: number, b: number): number {
        return a + b;
      }
    }
    expect(Svc.prototype.find.name).toBe('find');
    expect(Svc.prototype.find.length).toBe(2);
  });

  it('stacks decorators on one wrapper, the outermost written first', () => {
    const order: string[] = [];
    const mark =
      (label: string): Middleware =>
      (_call, next) => {
        order.push(label);
        return next();
      };
    class Svc {
      @use(mark('outer'))
      @counting()
      @use(mark('inner'))
      run(): string {
        order.push('method');
        return 'done';
      }
    }
    const svc = new Svc();
    expect(svc.run()).toBe('done');
    expect(order).toEqual(['outer', 'inner', 'method']);
    expect(control(svc, 'run').stats()).toEqual({ counting: { calls: 1 } });
  });

  it('throws a clear error when a decorated method is called without a receiver', () => {
    class UserService {
      @counting()
      getUser(id: string): string {
        return id;
      }
    }
    new UserService().getUser('warm'); // TC39 learns the class name on the first call
    const detached = new UserService().getUser;
    let error: unknown;
    try {
      detached('1');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HotpathError);
    expect((error as HotpathError).code).toBe('E_NO_RECEIVER');
    expect((error as Error).message).toBe(
      'UserService.getUser was called without a receiver (`this` is undefined): call it on an instance (obj.getUser(...)) or bind it first (obj.getUser.bind(obj))',
    );
  });

  it('refuses methods that were never decorated in control()', () => {
    class Plain {
      m(): void {}
    }
    expect(() => control(new Plain(), 'm')).toThrow(
      expect.objectContaining({
        code: 'E_NOT_APPLICABLE',
        message: 'control(): Plain.m is not decorated by hotpath',
      }),
    );
    expect(() => control(() => 1)).toThrow(expect.objectContaining({ code: 'E_NOT_APPLICABLE' }));
  });

  it('says E_NOT_APPLICABLE for operations the decorators do not support', async () => {
    class Svc {
      @use((_c, next) => next())
      @counting()
      run(): number {
        return 1;
      }
    }
    const svc = new Svc();
    svc.run();
    const handle = control(svc, 'run');
    expect(() => handle.cancel()).toThrow(
      expect.objectContaining({
        code: 'E_NOT_APPLICABLE',
        message:
          'control(Svc.run).cancel(): not applicable; its decorators (@use, @counting) do not support cancel()',
      }),
    );
    expect(() => handle.pending()).toThrow(expect.objectContaining({ code: 'E_NOT_APPLICABLE' }));
    expect(() => handle.invalidate(1)).toThrow(
      expect.objectContaining({ code: 'E_NOT_APPLICABLE' }),
    );
    expect(() => handle.reset()).not.toThrow();
  });

  it('uses the registry bound to the instance, else the default', () => {
    const registry = createHotpath({ name: 'mine' });
    const seen: string[] = [];
    class Svc {
      @use((call, next) => {
        seen.push(call.registry.name);
        return next();
      })
      run(): void {}
    }
    const a = bindHotpath(new Svc(), registry);
    a.run();
    new Svc().run();
    expect(seen).toEqual(['mine', 'default']);
  });

  it('exposes call.instance, call.args and the Call class to middleware', () => {
    let captured: Call | undefined;
    class Svc {
      @use((call, next) => {
        captured = call;
        return next();
      })
      run(a: number): number {
        return a;
      }
    }
    const svc = new Svc();
    svc.run(5);
    expect(captured).toBeInstanceOf(Call);
    expect(captured!.instance).toBe(svc);
    expect(captured!.args).toEqual([5]);
    expect(captured!.owner).toBe(svc);
  });
});

describe('shutdown', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('refuses calls after shutdown with E_SHUTDOWN: a rejection for async methods, a throw for sync ones', async () => {
    const registry = createHotpath({ name: 'closing' });
    class Svc {
      @counting()
      async load(): Promise<number> {
        return 1;
      }
      @counting()
      compute(): number {
        return 2;
      }
    }
    const svc = bindHotpath(new Svc(), registry);
    await expect(svc.load()).resolves.toBe(1);
    await registry.shutdown();
    await expect(svc.load()).rejects.toMatchObject({
      code: 'E_SHUTDOWN',
      message:
        "Svc.load: the hotpath registry 'closing' has been shut down and accepts no new calls",
    });
    expect(() => svc.compute()).toThrow(expect.objectContaining({ code: 'E_SHUTDOWN' }));
    // Other registries keep working.
    expect(new Svc().compute()).toBe(2);
  });

  it('lets work done by shutdown hooks call decorated methods of the closing registry', async () => {
    const registry = createHotpath();
    const written: number[] = [];
    class Repo {
      @counting()
      async write(n: number): Promise<void> {
        written.push(n);
      }
    }
    const repo = bindHotpath(new Repo(), registry);
    registryRuntime(registry).onShutdown(async () => {
      await sleepMs(1);
      await repo.write(42);
    });
    await registry.shutdown();
    expect(written).toEqual([42]);
    await expect(repo.write(1)).rejects.toMatchObject({ code: 'E_SHUTDOWN' });
  });
});

describe('option errors at decoration time', () => {
  it('names the decorator, the method and the option (use)', () => {
    const where = LEGACY ? 'Svc.run' : 'run';
    expect(() => {
      class Svc {
        @use()
        run(): void {}
      }
      return Svc;
    }).toThrow(new TypeError(`@use on ${where}: expects at least one middleware function`));
    expect(() => {
      class Svc {
        @use((_c, next) => next(), 'oops' as unknown as Middleware)
        run(): void {}
      }
      return Svc;
    }).toThrow(new TypeError(`@use on ${where}: \`middleware[1]\` must be a function, got 'oops'`));
  });

  it('refuses targets the decorator does not apply to', () => {
    const where = LEGACY ? 'Svc.value' : 'value';
    expect(() => {
      class Svc {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        @(use((_c, next) => next()) as (...args: any[]) => any)
        get value(): number {
          return 1;
        }
      }
      return Svc;
    }).toThrow(new TypeError(`@use on ${where}: applies to methods and functions, not to getters`));
    expect(() => use((_c, next) => next())(42 as never)).toThrow(
      new TypeError('@use on anonymous function: the decorated value must be a function, got 42'),
    );
  });

  it('control() names what it was handed when that is no instance, class or decorated method', () => {
    expect(() => control(null as unknown as object, 'find')).toThrow(
      new TypeError(
        "control(instance, 'find'): `instance` must be an instance or a class, got null",
      ),
    );
    class Plain {
      find(): number {
        return 1;
      }
    }
    expect(() => control(new Plain(), 'find')).toThrow(
      new HotpathError('E_NOT_APPLICABLE', 'control(): Plain.find is not decorated by hotpath'),
    );
  });

  it('bindHotpath() refuses a registry that createHotpath() did not make', () => {
    expect(() => bindHotpath({}, { name: 'app' } as never)).toThrow(
      new TypeError(
        "bindHotpath: `registry` must be a registry made by createHotpath(), got { name: 'app' }",
      ),
    );
  });
});
