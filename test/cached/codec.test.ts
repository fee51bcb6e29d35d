import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { codec, decode, encode } from '../../src/cached/index.js';

const roundTrip = <T>(value: T): T => decode(encode(value)) as T;

describe('the shared-tier codec', () => {
  it('round-trips the types JSON loses', () => {
    const value = {
      date: new Date('2026-11-21T03:32:00.123Z'),
      map: new Map<unknown, unknown>([
        [1, 'one'],
        ['k', new Map([[2n, new Set(['x'])]])],
      ]),
      set: new Set([1, 'a', null]),
      big: -(2n ** 70n),
      buffer: Buffer.from([0, 1, 2, 254, 255]),
      bytes: new Uint8Array([9, 8, 7]),
      floats: new Float64Array([1.5, -0, Number.NaN]),
      arrayBuffer: new Uint8Array([1, 2, 3]).buffer,
      regex: /a+b/giu,
      undef: undefined,
      numbers: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1e300],
      holes: [1, , 3], // eslint-disable-line no-sparse-arrays
      dollar: { $t: 'Date', v: 5 },
      nested: [[[{ deep: new Date(0) }]]],
    };
    const back = roundTrip(value);
    expect(back).toEqual(value);
    expect(back.buffer).toBeInstanceOf(Buffer);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(back.bytes).not.toBeInstanceOf(Buffer);
    expect(back.floats).toBeInstanceOf(Float64Array);
    const invalid = roundTrip(new Date(Number.NaN));
    expect(invalid).toBeInstanceOf(Date);
    expect(Number.isNaN(invalid.getTime())).toBe(true);
    expect(Object.is(back.numbers[3], -0)).toBe(true);
    expect(back.dollar).toEqual({ $t: 'Date', v: 5 });
    expect(back.holes).toEqual([1, undefined, 3]);
    expect('undef' in back).toBe(true);
    expect(roundTrip(undefined)).toBeUndefined();
    expect(roundTrip(5n)).toBe(5n);
    expect(codec.decode(codec.encode('plain'))).toBe('plain');
  });

  it('keeps errors readable and turns class instances into plain objects', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const err = Object.assign(new RangeError('too far'), { code: 'E_FAR' });
    const back = roundTrip({ err, point: new Point(1, 2) });
    expect(back.err).toBeInstanceOf(Error);
    expect(back.err.name).toBe('RangeError');
    expect(back.err.message).toBe('too far');
    expect((back.err as unknown as { code: string }).code).toBe('E_FAR');
    expect(back.point).toEqual({ x: 1, y: 2 });
    expect(Object.getPrototypeOf(back.point)).toBe(Object.prototype);
  });

  it('never lets stored data set a prototype', () => {
    const back = decode('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(back.__proto__).toEqual({ polluted: true });
  });

  it('decodes own __proto__ fields (of errors and objects) and constructor fields as plain fields', () => {
    const stored = '{"$t":"Error","v":["Error","m",{"__proto__":{"isAdmin":true}}]}';
    const back = decode(stored) as Error & Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Error.prototype);
    expect(back.isAdmin).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ isAdmin: true });

    // The same through a round trip of an error that carries such a field.
    const err = new Error('m');
    Object.defineProperty(err, '__proto__', {
      value: { isAdmin: true },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    const again = decode(encode(err)) as Error & Record<string, unknown>;
    expect(Object.getPrototypeOf(again)).toBe(Error.prototype);
    expect(again.isAdmin).toBeUndefined();

    // Objects too, and a `constructor` field is a field like any other.
    const obj: Record<string, unknown> = { constructor: { name: 'Evil' }, toString: 1 };
    Object.defineProperty(obj, '__proto__', {
      value: { polluted: true },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    const plain = roundTrip({ obj }).obj as Record<string, unknown>;
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(Object.keys(plain).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(plain.polluted).toBeUndefined();
    expect(plain.constructor).toEqual({ name: 'Evil' });
  });

  it('reads a tag however the JSON text spells it (plain text is only parsed)', () => {
    expect(decode('{"a":[1,"x",null,true],"b":{"__proto__":{"c":1}}}')).toEqual({
      a: [1, 'x', null, true],
      b: JSON.parse('{"__proto__":{"c":1}}'),
    });
    expect(Object.getPrototypeOf(decode('{"__proto__":{"c":1}}') as object)).toBe(Object.prototype);
    // `$` escaped: still the tag key once parsed.
    expect(decode('{"\\u0024t":"bigint","v":"12"}')).toBe(12n);
    expect(decode('[{"$t":"undef"}]')).toEqual([undefined]);
    // A string holding the tag's text is a string.
    expect(roundTrip({ s: '"$t"', t: '{"$t":"undef"}' })).toEqual({
      s: '"$t"',
      t: '{"$t":"undef"}',
    });
  });

  it('refuses functions, symbols and cycles, and corrupt input', () => {
    expect(() => encode({ f: () => 1 })).toThrow(
      new TypeError('cannot encode function values for a shared cache tier'),
    );
    expect(() => encode(Symbol('s'))).toThrow(
      new TypeError('cannot encode symbol values for a shared cache tier'),
    );
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => encode(cycle)).toThrow(
      new TypeError('cannot encode a circular structure for a shared cache tier'),
    );
    expect(() => decode('{"$t":"Nope"}')).toThrow(new TypeError("unknown encoded type 'Nope'"));
    expect(() => decode('{oops')).toThrow(SyntaxError);
  });

  it('round-trips any JSON-like value with dates, bigints and undefined (property)', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.bigInt(),
      fc.date({ noInvalidDate: true }),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node')),
        fc.dictionary(fc.string(), tie('node')),
      ),
    })).node;
    fc.assert(fc.property(value, (v) => expect(roundTrip(v)).toEqual(v)));
  });
});
