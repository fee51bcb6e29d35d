import { describe, expect, it } from '@jest/globals';
import { HotpathError } from '../../src/index.js';
import { argumentKey, valueKey } from '../../src/extend.js';

const key = (...args: unknown[]) => argumentKey(args, 'Svc.find');

/** Expects `run` to throw E_UNKEYABLE for Svc.find, the message going on with `what`. */
function expectUnkeyable(run: () => unknown, what: string): void {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(HotpathError);
  expect(error).toMatchObject({
    code: 'E_UNKEYABLE',
    message: `Svc.find: cannot build a key from an argument that is ${what}`,
  });
}

describe('the stable argument key', () => {
  it('tells 1 from "1", and undefined, null and NaN apart', () => {
    expect(key(1)).not.toBe(key('1'));
    const distinct = [
      key(undefined),
      key(null),
      key(NaN),
      key('undefined'),
      key('null'),
      key('NaN'),
    ];
    expect(new Set(distinct).size).toBe(distinct.length);
    expect(key(1n)).not.toBe(key(1));
    expect(key(true)).not.toBe(key('true'));
    expect(key(Infinity)).not.toBe(key(-Infinity));
  });

  it('keys a lone primitive cheaply and never like a list', () => {
    expect(key('a')).toBe("'a");
    expect(key(42)).toBe('42');
    expect(key()).toBe('[]');
    expect(key('a')).not.toBe(key(['a']));
    expect(key("'a")).not.toBe(key('a'));
    expect(key('a,b')).not.toBe(key('a', 'b'));
    expect(key('a', 'b')).toBe('["a","b"]');
  });

  it('does not depend on object key order, but does on array order', () => {
    expect(key({ a: 1, b: 2 })).toBe(key({ b: 2, a: 1 }));
    expect(key({ a: { x: 1, y: [1, 2] } })).toBe(key({ a: { y: [1, 2], x: 1 } }));
    expect(key([1, 2])).not.toBe(key([2, 1]));
    expect(key({ a: undefined })).not.toBe(key({}));
  });

  it('supports Date, BigInt, Map, Set, Buffer and Uint8Array', () => {
    expect(key(new Date(0))).toBe(key(new Date(0)));
    expect(key(new Date(0))).not.toBe(key(new Date(1)));
    expect(key(new Date(0))).not.toBe(key(0));
    expect(key(10n ** 30n)).toBe('[1000000000000000000000000000000n]');
    expect(
      key(
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
      ),
    ).toBe(
      key(
        new Map([
          ['b', 2],
          ['a', 1],
        ]),
      ),
    );
    expect(key(new Map([['a', 1]]))).not.toBe(key(new Map([['a', 2]])));
    expect(key(new Map([['a', 1]]))).not.toBe(key({ a: 1 }));
    expect(key(new Set([1, 2]))).toBe(key(new Set([2, 1])));
    expect(key(new Set([1]))).not.toBe(key([1]));
    expect(key(Buffer.from('hi'))).toBe(key(new Uint8Array([104, 105])));
    expect(key(Buffer.from('hi'))).not.toBe(key(Buffer.from('ho')));
    expect(key(new Float32Array([1]))).not.toBe(key(new Uint8Array([0, 0, 128, 63])));
    expect(key([[1, [2]], 3])).toBe('[[[1,[2]],3]]');
  });

  it('keys class instances by class name and fields', () => {
    class Query {
      constructor(
        readonly id: number,
        readonly fields: string[],
      ) {}
    }
    class Other {
      constructor(
        readonly id: number,
        readonly fields: string[],
      ) {}
    }
    expect(key(new Query(1, ['a']))).toBe(key(new Query(1, ['a'])));
    expect(key(new Query(1, ['a']))).not.toBe(key(new Other(1, ['a'])));
    expect(key(new Query(1, ['a']))).not.toBe(key({ id: 1, fields: ['a'] }));
  });

  it('never gives two different URLs, boxed primitives or toJSON values one key; DTOs key by class and public fields', () => {
    class CreateUserDto {
      name!: string;
      email?: string;
    }
    const dto = (name: string, email?: string): CreateUserDto =>
      Object.assign(new CreateUserDto(), { name, email });
    expect(key(dto('ada', 'a@x'))).toBe('[CreateUserDto{"email":"a@x","name":"ada"}]');
    expect(key(dto('ada', 'a@x'))).not.toBe(key(dto('ada', 'b@x')));
    expect(key(dto('ada'))).toBe(key(dto('ada')));
    // A DTO with every field left out (a query without parameters) is empty, not invisible.
    class ListQueryDto {
      declare page?: number;
    }
    expect(key(new ListQueryDto())).toBe('[ListQueryDto{}]');
    expect(key(new ListQueryDto())).not.toBe(key({}));
    const urls = ['https://a.test/x', 'https://a.test/y', 'https://b.test/x?q=1'];
    const urlKeys = urls.map((u) => key(new URL(u)));
    expect(new Set(urlKeys).size).toBe(urls.length);
    expect(key(new URL('https://a.test/x'))).toBe(key(new URL('https://a.test/x')));
    expect(key(new URL('https://a.test/x'))).toBe('[URL("https://a.test/x")]');
    expect(key(new URL('https://a.test/x'))).not.toBe(key('https://a.test/x'));

    const boxed = [
      key(new Number(1)),
      key(new Number(2)),
      key(1),
      key(new String('a')),
      key(new String('b')),
      key('a'),
      key(new Boolean(true)),
      key(new Boolean(false)),
      key(true),
      key(Object(1n)),
      key(Object(2n)),
      key(1n),
    ];
    expect(new Set(boxed).size).toBe(boxed.length);
    expect(key(new Number(1))).toBe(key(new Number(1)));

    // A value class whose state is private but which declares its serial form.
    class Decimal {
      readonly #digits: string;
      constructor(digits: string) {
        this.#digits = digits;
      }
      toJSON(): string {
        return this.#digits;
      }
    }
    expect(key(new Decimal('1.5'))).not.toBe(key(new Decimal('2.5')));
    expect(key(new Decimal('1.5'))).toBe(key(new Decimal('1.5')));
    expect(key(new Decimal('1.5'))).not.toBe(key('1.5'));
    expect(key({ at: new Decimal('1.5') })).toBe('[{"at":Decimal("1.5")}]');
  });

  it('drops trailing undefined arguments: f() = f(undefined), f(1) = f(1, undefined)', () => {
    expect(key(undefined)).toBe(key());
    expect(key(undefined, undefined)).toBe(key());
    expect(key(1, undefined)).toBe(key(1));
    expect(key('a', undefined)).toBe(key('a'));
    expect(key({ a: 1 }, undefined)).toBe(key({ a: 1 }));
    expect(key(undefined, 1)).not.toBe(key(1));
    expect(key(1, undefined, 2)).not.toBe(key(1, 2));
    expect(key([undefined])).not.toBe(key([]));
  });

  it('allows repeated (non-circular) references', () => {
    const shared = { a: 1 };
    expect(() => key({ x: shared, y: shared }, [shared, shared])).not.toThrow();
  });

  it.each([
    ['a function', () => key(function loader() {}), 'a function (loader)'],
    ['a symbol', () => key(Symbol('s')), 'a symbol (Symbol(s))'],
    [
      'a cycle',
      () => {
        const a: Record<string, unknown> = {};
        a.self = a;
        return key(a);
      },
      'a circular structure',
    ],
    ['a nested function', () => key({ cb: () => 1 }), 'a function (cb)'],
    ['a boxed symbol', () => key(Object(Symbol('s'))), 'a boxed symbol (Symbol(s))'],
  ])('throws E_UNKEYABLE for %s, naming the method and the way out', (_label, run, what) => {
    expectUnkeyable(run, `${what}; pass a \`key\` option that returns a string or number`);
  });

  class Session {
    readonly #token: string;
    constructor(token: string) {
      this.#token = token;
    }
    get token(): string {
      return this.#token;
    }
  }

  it.each([
    [
      'a class whose state is all #private',
      () => key(new Session('t1')),
      'an instance of Session, whose state is not visible (no own enumerable field, no `toJSON()`); pass a `key` option that returns a string or number, or give Session a `toJSON()` method',
    ],
    [
      'an Error, even with enumerable fields',
      () => key(Object.assign(new Error('boom'), { code: 'E_X' })),
      'an instance of Error, which has no value to key by; pass a `key` option that returns a string or number',
    ],
    [
      'a user Error subclass',
      () => key(new (class NotFound extends Error {})('gone')),
      'an instance of NotFound, which has no value to key by; pass a `key` option that returns a string or number, or give NotFound a `toJSON()` method',
    ],
    [
      'a WeakMap',
      () => key(new WeakMap()),
      'an instance of WeakMap, which has no value to key by; pass a `key` option that returns a string or number',
    ],
    [
      'a WeakSet nested in an object',
      () => key({ seen: new WeakSet() }),
      'an instance of WeakSet, which has no value to key by; pass a `key` option that returns a string or number',
    ],
    [
      'a Promise',
      () => key(Promise.resolve(1)),
      'an instance of Promise, which has no value to key by; pass a `key` option that returns a string or number',
    ],
    [
      'a URLSearchParams (state in internal slots, no toJSON)',
      () => key(new URLSearchParams('a=1')),
      'an instance of URLSearchParams, whose state is not visible (no own enumerable field, no `toJSON()`); pass a `key` option that returns a string or number',
    ],
  ])('refuses %s with E_UNKEYABLE naming the class', (_label, run, what) => {
    expectUnkeyable(run, what);
  });

  it('refuses symbol-keyed fields: two objects that differ only there would share `{}`', () => {
    const tag = Symbol('tag');
    expectUnkeyable(
      () => key({ [tag]: 1 }),
      'an object with symbol-keyed fields (a plain object); pass a `key` option that returns a string or number',
    );
    class Tagged {
      id = 1;
      [tag] = 2;
    }
    expectUnkeyable(
      () => key(new Tagged()),
      'an object with symbol-keyed fields (an instance of Tagged); pass a `key` option that returns a string or number',
    );
    // A non-enumerable symbol (a library's brand) is not data: the object keys by its fields.
    const branded = Object.defineProperty({ id: 1 }, tag, { value: true, enumerable: false });
    expect(key(branded)).toBe(key({ id: 1 }));
  });

  it('refuses a toJSON() that throws with E_UNKEYABLE, keeping the error as its cause', () => {
    const boom = new Error('not ready');
    class Lazy {
      toJSON(): never {
        throw boom;
      }
    }
    expectUnkeyable(
      () => key(new Lazy()),
      'an instance of Lazy whose `toJSON()` threw (not ready); pass a `key` option that returns a string or number',
    );
    expect(() => key({ nested: new Lazy() })).toThrow(expect.objectContaining({ cause: boom }));
  });

  it('refuses a structure nested deeper than the stack with E_UNKEYABLE, not a RangeError', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    expectUnkeyable(
      () => key(deep),
      'nested too deeply to walk; pass a `key` option that returns a string or number',
    );
    expect(() => valueKey(deep, 'Svc.find')).toThrow(
      expect.objectContaining({ code: 'E_UNKEYABLE' }),
    );
  });

  it('encodes single values with the same rules', () => {
    expect(valueKey({ b: 1, a: 2 }, 'x')).toBe('{"a":2,"b":1}');
    expect(valueKey('s', 'x')).toBe('"s"');
  });
});
