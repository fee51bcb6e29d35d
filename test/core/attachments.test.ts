/**
 * What other decorators attach to a method (own properties, reflect-metadata entries) stays
 * on it when a hotpath decorator wraps it, whichever of the two is written first. NestJS keeps
 * routes, guards, pipes and interceptors this way; the end-to-end check is
 * test/core/nest-routes.legacy.test.ts.
 */
import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { cached, lazy, retry, use } from '../../src/index.js';

const ROLE = Symbol('role');

/**
 * A decorator valid in both decorator modes that attaches things to the function it is given
 * (the method, or the getter), the way framework decorators do, and keeps it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function attach(add: (fn: object) => void): (...args: any[]) => any {
  return (...args: unknown[]) => {
    const legacy = args.length === 3;
    const d = args[2] as PropertyDescriptor | undefined;
    add((legacy ? (d!.value ?? d!.get) : args[0]) as object);
  };
}

/** `Reflect.defineMetadata(key, value, method)`, like Nest's `@SetMetadata`, `@Get`, `@UseGuards`. */
const tag = (key: string, value: unknown) => attach((fn) => Reflect.defineMetadata(key, value, fn));

const passThrough = use((_call, next) => next());

describe('what other decorators attached to a method', () => {
  it('keeps own properties set below a hotpath decorator: strings, symbols, accessors', () => {
    let reads = 0;
    class Svc {
      @cached()
      @attach((fn) => {
        Object.assign(fn, { role: 'admin' });
        Object.defineProperty(fn, ROLE, { value: 'root', enumerable: false });
        Object.defineProperty(fn, 'audit', { get: () => ++reads, configurable: true });
      })
      find(a: number, b: number): number {
        return a + b;
      }
    }
    const m = Svc.prototype.find as unknown as Record<PropertyKey, unknown>;
    expect(m.role).toBe('admin');
    expect(Object.getOwnPropertyDescriptor(m, ROLE)).toEqual({
      value: 'root',
      writable: false,
      enumerable: false,
      configurable: false,
    });
    expect(typeof Object.getOwnPropertyDescriptor(m, 'audit')?.get).toBe('function');
    expect(m.audit).toBe(1);
    // The wrapper still answers with the method's own name and arity, and caches.
    expect(Svc.prototype.find.name).toBe('find');
    expect(Svc.prototype.find.length).toBe(2);
    expect(new Svc().find(1, 2)).toBe(3);
  });

  it('keeps reflect-metadata entries in both orders', () => {
    class Svc {
      @tag('above', 1)
      @cached()
      @tag('below', 2)
      find(id: number): number {
        return id;
      }
    }
    const m = Svc.prototype.find;
    expect(Reflect.getOwnMetadataKeys(m).sort()).toEqual(['above', 'below']);
    expect(Reflect.getOwnMetadata('below', m)).toBe(2);
    expect(Reflect.getOwnMetadata('above', m)).toBe(1);
  });

  it('keeps what was attached between two stacked hotpath decorators and below both', async () => {
    let runs = 0;
    class Svc {
      @cached()
      @tag('between', 'b')
      @retry({ attempts: 2, delay: 0 })
      @tag('below', 'c')
      @attach((fn) => Object.assign(fn, { role: 'reader' }))
      async load(id: number): Promise<number> {
        runs++;
        return id;
      }
    }
    const m = Svc.prototype.load;
    expect(Reflect.getOwnMetadata('between', m)).toBe('b');
    expect(Reflect.getOwnMetadata('below', m)).toBe('c');
    expect((m as unknown as { role?: string }).role).toBe('reader');
    const svc = new Svc();
    expect(await svc.load(7)).toBe(7);
    expect(await svc.load(7)).toBe(7);
    expect(runs).toBe(1);
  });

  it('keeps metadata extended on both sides the way the unwrapped method would have it', () => {
    // Nest's @UseGuards appends to the array already on the function.
    const guard = (name: string) =>
      attach((fn) => {
        const before = (Reflect.getMetadata('guards', fn) as string[] | undefined) ?? [];
        Reflect.defineMetadata('guards', [...before, name], fn);
      });
    class Plain {
      @guard('outer')
      @guard('inner')
      run(): number {
        return 1;
      }
    }
    class Decorated {
      @guard('outer')
      @passThrough
      @guard('inner')
      run(): number {
        return 1;
      }
    }
    expect(Reflect.getOwnMetadata('guards', Decorated.prototype.run)).toEqual(
      Reflect.getOwnMetadata('guards', Plain.prototype.run),
    );
    expect(Reflect.getOwnMetadata('guards', Decorated.prototype.run)).toEqual(['inner', 'outer']);
  });

  it('keeps them on static methods and getters', () => {
    class Svc {
      @passThrough
      @tag('kind', 'static')
      static make(): number {
        return 1;
      }

      @lazy()
      @tag('kind', 'getter')
      get config(): { a: number } {
        return { a: 1 };
      }
    }
    expect(Reflect.getOwnMetadata('kind', Svc.make)).toBe('static');
    const getter = Object.getOwnPropertyDescriptor(Svc.prototype, 'config')!.get!;
    expect(Reflect.getOwnMetadata('kind', getter)).toBe('getter');
    expect(Svc.make()).toBe(1);
    expect(new Svc().config).toEqual({ a: 1 });
  });

  it('keeps them in the functional form, also when wrapping a wrapper', () => {
    function load(id: number): number {
      return id * 2;
    }
    load.role = 'reader';
    Reflect.defineMetadata('route', '/load', load);
    const once = cached()(load);
    const twice = passThrough(cached()(load));
    for (const f of [once, twice]) {
      expect(f.role).toBe('reader');
      expect(Reflect.getOwnMetadata('route', f)).toBe('/load');
      expect(f.name).toBe('load');
      expect(f(2)).toBe(4);
    }
    // The wrapped function is untouched and stays usable on its own.
    expect(Object.keys(load)).toEqual(['role']);
  });
});
