/**
 * The value codec of the shared cache tiers: one string format that round-trips what plain
 * JSON (and keyv's default serializer) loses.
 *
 * Preserved: `Date` (including invalid dates), `Map`, `Set`, `BigInt`, `Buffer`, `Uint8Array`
 * and the other typed arrays, `ArrayBuffer`, `RegExp`, `undefined` (top level, in arrays and in
 * objects), `NaN`, `±Infinity`, `-0`, array holes (as `undefined`), plain objects whose own keys
 * happen to be `$t`. Class instances come back as plain objects with their own enumerable
 * fields (there is no safe way to find a constructor by name in another process); functions,
 * symbols and circular structures cannot be encoded and throw a `TypeError`. Data never picks a
 * prototype: an own `__proto__` field (of an object or an error) decodes as a plain own field,
 * and a `constructor` field is a field like any other.
 *
 * Format: JSON where special values are objects `{"$t": <type>, "v": <payload>}`. The output
 * is stable for a given value (object keys keep their insertion order), so it can be stored in
 * any keyv store as an opaque string, and `hotpath/redis` reuses it.
 *
 * Cost: one walk over the value plus `JSON.stringify` to encode; `JSON.parse` to decode, plus a
 * walk only when the text holds a tagged value (see {@link decode}).
 */

const TYPED_ARRAYS: Record<string, new (buffer: ArrayBuffer) => ArrayBufferView> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};

/** A tagged special value in the JSON tree. */
interface Tagged {
  $t: string;
  v?: unknown;
}

function bytesOf(view: ArrayBufferView): string {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
}

function toTree(value: unknown, path: object[]): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return Object.is(value, -0) ? { $t: '-0' } : value;
      return { $t: 'num', v: String(value) };
    case 'undefined':
      return { $t: 'undef' };
    case 'bigint':
      return { $t: 'bigint', v: value.toString() };
    case 'function':
    case 'symbol':
      throw new TypeError(`cannot encode ${typeof value} values for a shared cache tier`);
  }
  if (value === null) return null;
  const obj = value as object;
  if (path.includes(obj))
    throw new TypeError('cannot encode a circular structure for a shared cache tier');
  path.push(obj);
  try {
    return objectToTree(obj, path);
  } finally {
    path.pop();
  }
}

function objectToTree(obj: object, path: object[]): unknown {
  if (Array.isArray(obj)) {
    const out = new Array<unknown>(obj.length);
    for (let i = 0; i < obj.length; i++) out[i] = toTree(obj[i], path);
    return out;
  }
  if (obj instanceof Date) {
    const t = obj.getTime();
    return { $t: 'Date', v: Number.isNaN(t) ? null : t };
  }
  if (Buffer.isBuffer(obj)) return { $t: 'Buffer', v: bytesOf(obj) };
  if (ArrayBuffer.isView(obj)) {
    const name = obj.constructor.name;
    if (obj instanceof DataView || !(name in TYPED_ARRAYS)) {
      return { $t: 'DataView', v: bytesOf(obj) };
    }
    return { $t: name, v: bytesOf(obj) };
  }
  if (obj instanceof ArrayBuffer)
    return { $t: 'ArrayBuffer', v: Buffer.from(obj).toString('base64') };
  if (obj instanceof Map) {
    const entries: unknown[] = [];
    for (const [k, v] of obj) entries.push([toTree(k, path), toTree(v, path)]);
    return { $t: 'Map', v: entries };
  }
  if (obj instanceof Set) {
    const items: unknown[] = [];
    for (const v of obj) items.push(toTree(v, path));
    return { $t: 'Set', v: items };
  }
  if (obj instanceof RegExp) return { $t: 'RegExp', v: [obj.source, obj.flags] };
  if (obj instanceof Error) {
    return { $t: 'Error', v: [obj.name, obj.message, toTree({ ...obj }, path)] };
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    setOwn(out, key, toTree((obj as Record<string, unknown>)[key], path));
  }
  // An object that has its own `$t` would read back as a tagged value: escape it.
  return Object.prototype.hasOwnProperty.call(obj, '$t') ? { $t: 'Object', v: out } : out;
}

/** A fresh `ArrayBuffer` (of this realm, not Buffer's shared pool) holding the base64 bytes. */
function arrayBufferOf(base64: string): ArrayBuffer {
  const bytes = Buffer.from(base64, 'base64');
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

function fromTree(node: unknown): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) {
    const out = new Array<unknown>(node.length);
    for (let i = 0; i < node.length; i++) out[i] = fromTree(node[i]);
    return out;
  }
  const tagged = node as Tagged;
  if (typeof tagged.$t !== 'string') return plainFromTree(node as Record<string, unknown>);
  const v = tagged.v;
  switch (tagged.$t) {
    case 'undef':
      return undefined;
    case '-0':
      return -0;
    case 'num':
      return Number(v);
    case 'bigint':
      return BigInt(v as string);
    case 'Date':
      return new Date(v === null ? Number.NaN : (v as number));
    case 'Buffer':
      return Buffer.from(v as string, 'base64');
    case 'ArrayBuffer':
      return arrayBufferOf(v as string);
    case 'DataView':
      return new DataView(arrayBufferOf(v as string));
    case 'Map':
      return new Map((v as [unknown, unknown][]).map(([k, val]) => [fromTree(k), fromTree(val)]));
    case 'Set':
      return new Set((v as unknown[]).map(fromTree));
    case 'RegExp': {
      const [source, flags] = v as [string, string];
      return new RegExp(source, flags);
    }
    case 'Error': {
      const [name, message, fields] = v as [string, string, unknown];
      const err = new Error(message);
      // Field by field through setOwn: Object.assign would let a `__proto__` field set the
      // error's prototype.
      const own = fromTree(fields);
      if (own !== null && typeof own === 'object') {
        for (const key of Object.keys(own)) {
          setOwn(
            err as unknown as Record<string, unknown>,
            key,
            (own as Record<string, unknown>)[key],
          );
        }
      }
      if (name !== 'Error')
        Object.defineProperty(err, 'name', { value: name, configurable: true, writable: true });
      return err;
    }
    case 'Object':
      return plainFromTree(v as Record<string, unknown>);
  }
  const Typed = TYPED_ARRAYS[tagged.$t];
  if (Typed) return new Typed(arrayBufferOf(v as string));
  throw new TypeError(`unknown encoded type '${tagged.$t}'`);
}

function plainFromTree(node: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(node)) setOwn(out, key, fromTree(node[key]));
  return out;
}

/**
 * `obj[key] = value`, except that a `__proto__` key becomes an own field: data never sets an
 * object's prototype (on the way in or out).
 */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    obj[key] = value;
  }
}

/**
 * Encodes `value` to a string for a shared cache tier. Throws a `TypeError` for functions,
 * symbols and circular structures.
 */
export function encode(value: unknown): string {
  return JSON.stringify(toTree(value, []));
}

/**
 * Decodes a string made by {@link encode}. Throws on anything else (corrupt data).
 *
 * Text without a tag (no `"$t"` key, which `JSON.stringify` always writes as such, and no
 * `\u` escape, which could spell one) is plain JSON: `JSON.parse` alone gives the value, with
 * no walk and no copy (its own `__proto__` keys are own fields already). Most cached values
 * (objects of strings, numbers, booleans, arrays) take that path.
 */
export function decode(text: string): unknown {
  const tree: unknown = JSON.parse(text);
  return mayHoldTag(text) ? fromTree(tree) : tree;
}

/**
 * Whether `text` holds `"$t"` or a `\u` escape. A scan for one character first: V8 searches
 * a lone character far faster than a string (a 185-byte entry: 50 ns for both characters,
 * against 250 to 600 ns for `includes('"$t"')` and `includes('\\u')`), and most texts hold
 * neither `$` nor a backslash.
 */
function mayHoldTag(text: string): boolean {
  return (
    (text.indexOf('$') !== -1 && text.includes('"$t"')) ||
    (text.indexOf('\\') !== -1 && text.includes('\\u'))
  );
}

/** The shape of {@link codec}: values to the strings a shared tier holds, and back. */
export interface Codec {
  /** Encodes a value; throws a `TypeError` for functions, symbols and circular structures. */
  readonly encode: (value: unknown) => string;
  /** Decodes a string made by `encode`; throws on anything else (corrupt data). */
  readonly decode: (text: string) => unknown;
}

/**
 * The codec as an object, for code that takes a codec (e.g. `hotpath/redis`):
 * `codec.decode(codec.encode(v))` is `v` for every supported type.
 */
export const codec: Codec = { encode, decode };
