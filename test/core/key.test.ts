import { describe, expect, it } from '@jest/globals';
import { HotpathError, argumentKey, valueKey } from '../../src/index.js';

const key = (...args: unknown[]) => argumentKey(args, 'Svc.find');

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
  ])('throws E_UNKEYABLE for %s, naming the method and the way out', (_label, run, what) => {
    let error: unknown;
    try {
      run();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HotpathError);
    expect(error).toMatchObject({
      code: 'E_UNKEYABLE',
      message: `Svc.find: cannot build a key from an argument that is ${what}; pass a \`key\` option that returns a string or number`,
    });
  });

  it('encodes single values with the same rules', () => {
    expect(valueKey({ b: 1, a: 2 }, 'x')).toBe('{"a":2,"b":1}');
    expect(valueKey('s', 'x')).toBe('"s"');
  });
});
