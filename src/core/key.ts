/**
 * The stable argument key: one string per argument list, identical in every process, so it can
 * name cache entries in shared stores and group batches. The rule is that two arguments that
 * differ never share a key silently: what cannot be told apart is refused with `E_UNKEYABLE`.
 *
 * - Types never collide: `f(1)` ≠ `f('1')`, `undefined` ≠ `null` ≠ `NaN`, `1` ≠ `1n`.
 * - Trailing `undefined` arguments are absent, as default parameters treat them: `f()` =
 *   `f(undefined)`, `f(1)` = `f(1, undefined)`.
 * - Structure, not identity: `{a:1,b:2}` = `{b:2,a:1}`; Map and Set contents are sorted, so
 *   insertion order does not matter.
 * - `Date`, `BigInt`, `Map`, `Set`, typed arrays/`Buffer`, `ArrayBuffer`, `RegExp`, nested
 *   arrays key by value.
 * - Boxed primitives key by type and value: `new Number(1)` ≠ `new Number(2)` ≠ `1`.
 * - An object with a `toJSON()` method keys by its class name and what `toJSON()` returns
 *   (`URL`, `Decimal`, Luxon/Moment dates, BSON `ObjectId`), before its fields.
 * - Plain objects key by their own enumerable fields; class instances (NestJS DTOs) by class
 *   name + own enumerable fields. State kept elsewhere (`#private` fields, getters, symbols) is
 *   not seen: such a class needs a `toJSON()` or the method a `key` option.
 * - Refused with `E_UNKEYABLE` (naming the method and the class): functions, symbols, cycles,
 *   class instances with no own enumerable field and no `toJSON()` whose class has methods or
 *   accessors (their state is invisible: all of them would share one key; an empty instance of a
 *   class with nothing but fields, such as a DTO whose fields are all optional, keys `Name{}`),
 *   and `Error`, `WeakMap`, `WeakSet`, `WeakRef`, `Promise` whatever fields they carry.
 *
 * Cost: one or two primitive arguments take a fast path (a type check and one concatenation,
 * tens of ns); structured arguments cost a walk proportional to their size.
 */
import { errorMessage } from './error-message.js';
import { HotpathError } from '../errors.js';
import { describeValue } from './options.js';

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

/** Objects whose state no key can see, whatever own fields they carry. */
const OPAQUE: readonly (abstract new (...args: never[]) => object)[] = [
  Error,
  WeakMap,
  WeakSet,
  WeakRef,
  Promise,
];

function encodeObject(obj: object, seen: object[], where: string): string {
  if (Array.isArray(obj)) {
    let out = '[';
    for (let i = 0; i < obj.length; i++) out += (i ? ',' : '') + encode(obj[i], seen, where);
    return out + ']';
  }
  const proto = Object.getPrototypeOf(obj) as object | null;
  const plain = proto === Object.prototype || proto === null;
  // Plain objects first: the common structured argument skips every class check below.
  if (!plain) {
    const special = encodeSpecial(obj, seen, where);
    if (special !== undefined) return special;
  } else if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
    return `(${encode(callToJSON(obj, where), seen, where)})`;
  }
  const keys = Object.keys(obj).sort();
  // Symbol-keyed fields hold state no key can name the same way in every process (two
  // `Symbol('id')` are different symbols): `{ [a]: 1 }` and `{ [a]: 2 }` would share `{}`.
  if (
    Object.getOwnPropertySymbols(obj).some((sym) =>
      Object.prototype.propertyIsEnumerable.call(obj, sym),
    )
  ) {
    throw unkeyable(
      where,
      `an object with symbol-keyed fields (${plain ? 'a plain object' : describeClass(obj)})`,
    );
  }
  // A class instance with no own enumerable field: unless its class is bare data (an empty DTO,
  // all of whose fields were optional), its state is somewhere a key cannot see and every
  // instance would share the key `Name{}`.
  if (!plain && keys.length === 0 && !isDataClass(proto!)) throw invisible(where, obj, false);
  const name = plain ? '' : className(obj);
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

/**
 * The key of a built-in value type, a boxed primitive or an object with `toJSON()`; undefined
 * for other class instances (keyed by their fields). Throws for the {@link OPAQUE} kinds.
 */
function encodeSpecial(obj: object, seen: object[], where: string): string | undefined {
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
  // Boxed primitives: their value is in an internal slot, not in fields (a String's index
  // fields would key `new String('ab')` like an object).
  if (obj instanceof Number) return `Number(${encode(obj.valueOf(), seen, where)})`;
  if (obj instanceof String) return `String(${encode(obj.valueOf(), seen, where)})`;
  if (obj instanceof Boolean) return `Boolean(${encode(obj.valueOf(), seen, where)})`;
  if (obj instanceof BigInt) return `BigInt(${encode(obj.valueOf(), seen, where)})`;
  if (obj instanceof Symbol) throw unkeyable(where, `a boxed symbol (${String(obj.valueOf())})`);
  // The class's own serial form is its value (URL, Decimal, ObjectId, Luxon DateTime), and
  // takes precedence over its fields as it does for JSON.stringify.
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
    return `${className(obj)}(${encode(callToJSON(obj, where), seen, where)})`;
  }
  for (const Opaque of OPAQUE) {
    if (obj instanceof Opaque) throw invisible(where, obj, true);
  }
  return undefined;
}

/**
 * Whether the classes from `proto` up declare nothing but constructors: no method, accessor or
 * symbol-keyed member through which hidden (`#private`, closure) state could show. An instance
 * of such a class holds all its state in fields, so an empty one is truly empty. Walked only for
 * instances with no own enumerable field.
 */
function isDataClass(proto: object): boolean {
  for (let p: object | null = proto; p !== null && p !== Object.prototype;) {
    const names = Object.getOwnPropertyNames(p);
    if (names.length > 1 || (names.length === 1 && names[0] !== 'constructor')) return false;
    if (Object.getOwnPropertySymbols(p).length > 0) return false;
    p = Object.getPrototypeOf(p) as object | null;
  }
  return true;
}

/** `obj.toJSON()`, with a throw turned into `E_UNKEYABLE` naming the class (its cause kept). */
function callToJSON(obj: object, where: string): unknown {
  try {
    return (obj as { toJSON(): unknown }).toJSON();
  } catch (error) {
    throw unkeyable(
      where,
      `${describeClass(obj)} whose \`toJSON()\` threw (${errorMessage(error)})`,
      '',
      error,
    );
  }
}

function describeClass(obj: object): string {
  const name = className(obj);
  return name ? `an instance of ${name}` : 'an instance of an anonymous class';
}

function constructorOf(obj: object): { name?: unknown } | undefined {
  return (Object.getPrototypeOf(obj) as { constructor?: { name?: unknown } } | null)?.constructor;
}

function className(obj: object): string {
  const name = constructorOf(obj)?.name;
  return typeof name === 'string' ? name : '';
}

/**
 * Whether `obj`'s class is the platform's (a global such as `Promise` or `URLSearchParams`): then
 * suggesting a `toJSON()` method makes no sense.
 */
function isBuiltIn(obj: object): boolean {
  const ctor = constructorOf(obj);
  const name = ctor?.name;
  return typeof name === 'string' && (globalThis as Record<string, unknown>)[name] === ctor;
}

function unkeyable(where: string, what: string, alternative = '', cause?: unknown): HotpathError {
  return new HotpathError(
    'E_UNKEYABLE',
    `${where}: cannot build a key from an argument that is ${what}; pass a \`key\` option that returns a string or number${alternative}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The refusal of an object no key can tell from another of its class: `opaque` for the kinds
 * refused whatever their fields (errors, weak collections, promises), else for an instance with
 * no own enumerable field and no `toJSON()`. Suggests a `toJSON()` for the user's own classes.
 */
function invisible(where: string, obj: object, opaque: boolean): HotpathError {
  const name = className(obj);
  const shown = describeClass(obj);
  return unkeyable(
    where,
    opaque
      ? `${shown}, which has no value to key by`
      : `${shown}, whose state is not visible (no own enumerable field, no \`toJSON()\`)`,
    name && !isBuiltIn(obj) ? `, or give ${name} a \`toJSON()\` method` : '',
  );
}

/**
 * Returns the stable key of an argument list. `where` (`ClassName.method`) names the method in
 * the `E_UNKEYABLE` error.
 *
 * Trailing `undefined` arguments are dropped first. One-argument keys of primitives are the
 * value's own encoding (`'abc` for a string, `42`, `true`, `null`, `5n`); every other list is a
 * bracketed list (`[1,"a"]`, `[]` for none), so the two forms can never collide.
 */
export function argumentKey(args: readonly unknown[], where: string): string {
  let n = args.length;
  if (n !== 1) {
    while (n > 0 && args[n - 1] === undefined) n--;
    if (n === 0) return '[]';
  }
  if (n === 1) {
    const a = args[0];
    const t = typeof a;
    // Fast path: a lone string needs no escaping, it is the whole key; `'` cannot start any
    // other encoding, so `'x` (string) never equals `"x"` or anything structured.
    if (t === 'string') return "'" + (a as string);
    if (t === 'number') return String(a);
    if (t === 'boolean' || a === null) return String(a);
    if (a === undefined) return '[]';
  }
  let out = '[';
  for (let i = 0; i < n; i++) {
    const a = args[i];
    out += (i ? ',' : '') + (typeof a === 'string' ? JSON.stringify(a) : encodeRoot(a, where));
  }
  return out + ']';
}

/**
 * Encodes any single value with the same rules (a lone string is quoted here: `"s"`). The
 * structural part of {@link mapKey}.
 */
export function valueKey(value: unknown, where: string): string {
  return encodeRoot(value, where);
}

/**
 * {@link encode} from the top of one value. A structure nested deeper than the stack allows
 * (thousands of levels) is refused like a cycle, not left to surface as a `RangeError`.
 */
function encodeRoot(value: unknown, where: string): string {
  try {
    return encode(value, [], where);
  } catch (error) {
    if (error instanceof RangeError) throw unkeyable(where, 'nested too deeply to walk');
    throw error;
  }
}

/**
 * What a `@cached` (or `@invalidates`) `key` option returned, as an entry key: a string is the
 * key itself, a number its decimal form (so `invalidate({ key: 7 })` and a `key` returning `'7'`
 * name one entry). Anything else throws `E_UNKEYABLE` naming the method: `String()` would give
 * every object the key `[object Object]` (and `undefined`, from a misspelt field, one key for
 * every call), handing callers each other's values.
 */
export function entryKey(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new HotpathError(
    'E_UNKEYABLE',
    `${where}: \`key\` must return a string or a number, got ${describeValue(value)}`,
  );
}

/**
 * An in-process `Map` key for what a `key` option of `@debounce`, `@throttle` or `@rateLimit`
 * returned, or for a `@batched` item (or its `itemKey`): primitives, functions and symbols as
 * they are (a `Map` tells `1` from `'1'`; identity never merges two values), objects and arrays
 * by their structure ({@link valueKey}), so a `[tenant, region]` built afresh on every call finds
 * its state again. Structural keys start with a NUL character, and a string that starts with one
 * gets another, so no string ever equals an object's key. Throws `E_UNKEYABLE` for an object
 * with no stable key.
 */
export function mapKey(value: unknown, where: string): unknown {
  const t = typeof value;
  if (t === 'string') {
    return (value as string).charCodeAt(0) === 0 ? '\0' + (value as string) : value;
  }
  if (t !== 'object' || value === null) return value;
  return '\0' + valueKey(value, where);
}
