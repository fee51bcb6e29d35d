/**
 * The stable argument key (SPEC §2): one string per argument list, identical in every process,
 * so it can name cache entries in shared stores and group batches.
 *
 * - Types never collide: `f(1)` ≠ `f('1')`, `undefined` ≠ `null` ≠ `NaN`, `1` ≠ `1n`.
 * - Structure, not identity: `{a:1,b:2}` = `{b:2,a:1}`; Map and Set contents are sorted, so
 *   insertion order does not matter; class instances key by class name and own fields.
 * - `Date`, `BigInt`, `Map`, `Set`, typed arrays/`Buffer`, `RegExp`, nested arrays work.
 * - Functions, symbols and cycles throw `E_UNKEYABLE`: they have no stable value to key by.
 *
 * Cost: one or two primitive arguments take a fast path (a type check and one concatenation,
 * tens of ns); structured arguments cost a walk proportional to their size.
 */
import { HotpathError } from '../errors.js';

/** Encodes one value; `seen` holds the objects on the current path (cycle detection). */
function encode(value: unknown, seen: object[], where: string): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // String() keeps NaN, Infinity and -Infinity distinct; -0 keys like 0 (SameValueZero).
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      throw unkeyable(where, `a symbol (${String(value)})`);
    case 'function':
      throw unkeyable(where, `a function (${(value as { name?: string }).name || 'anonymous'})`);
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (seen.includes(obj)) throw unkeyable(where, 'a circular structure');
  seen.push(obj);
  try {
    return encodeObject(obj, seen, where);
  } finally {
    seen.pop();
  }
}

function encodeObject(obj: object, seen: object[], where: string): string {
  if (Array.isArray(obj)) {
    let out = '[';
    for (let i = 0; i < obj.length; i++) out += (i ? ',' : '') + encode(obj[i], seen, where);
    return out + ']';
  }
  if (obj instanceof Date) return `Date(${obj.getTime()})`;
  if (ArrayBuffer.isView(obj)) {
    const bytes = Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString('base64');
    // Buffer and Uint8Array hold the same bytes for the same data: key them alike.
    const kind = obj instanceof Uint8Array ? 'Bytes' : obj.constructor.name;
    return `${kind}(${bytes})`;
  }
  if (obj instanceof ArrayBuffer) return `Bytes(${Buffer.from(obj).toString('base64')})`;
  if (obj instanceof Map) {
    const entries: string[] = [];
    for (const [k, v] of obj) entries.push(`${encode(k, seen, where)}=>${encode(v, seen, where)}`);
    return `Map{${entries.sort().join(',')}}`;
  }
  if (obj instanceof Set) {
    const items: string[] = [];
    for (const v of obj) items.push(encode(v, seen, where));
    return `Set[${items.sort().join(',')}]`;
  }
  if (obj instanceof RegExp) return `RegExp(${obj.source}/${obj.flags})`;
  const proto = Object.getPrototypeOf(obj) as object | null;
  const name =
    proto === Object.prototype || proto === null
      ? ''
      : ((proto as { constructor?: { name?: string } }).constructor?.name ?? '');
  const keys = Object.keys(obj).sort();
  let out = `${name}{`;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    out +=
      (i ? ',' : '') +
      JSON.stringify(k) +
      ':' +
      encode((obj as Record<string, unknown>)[k], seen, where);
  }
  return out + '}';
}

function unkeyable(where: string, what: string): HotpathError {
  return new HotpathError(
    'E_UNKEYABLE',
    `${where}: cannot build a key from an argument that is ${what}; pass a \`key\` option that returns a string or number`,
  );
}

/**
 * Returns the stable key of an argument list. `where` (`ClassName.method`) names the method in
 * the `E_UNKEYABLE` error.
 *
 * One-argument keys of primitives are the value's own encoding (`"abc"` quoted, `42`, `true`,
 * `null`, `undefined`, `5n`); every other list is a bracketed list (`[1,"a"]`), so the two
 * forms can never collide.
 */
export function argumentKey(args: readonly unknown[], where: string): string {
  const n = args.length;
  if (n === 0) return '[]';
  if (n === 1) {
    const a = args[0];
    const t = typeof a;
    // Fast path: a lone string needs no escaping, it is the whole key; `'` cannot start any
    // other encoding, so `'x` (string) never equals `"x"` or anything structured.
    if (t === 'string') return "'" + (a as string);
    if (t === 'number') return String(a);
    if (t === 'boolean' || a === undefined || a === null) return String(a);
  }
  let out = '[';
  for (let i = 0; i < n; i++) {
    const a = args[i];
    out += (i ? ',' : '') + (typeof a === 'string' ? JSON.stringify(a) : encode(a, [], where));
  }
  return out + ']';
}

/**
 * Encodes any single value with the same rules (used for `rest` groups of `@batched`,
 * item keys and user `key` results).
 */
export function valueKey(value: unknown, where: string): string {
  return encode(value, [], where);
}
