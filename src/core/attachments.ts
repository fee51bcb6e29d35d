/**
 * What other decorators attached to a function travels with the hotpath wrapper that replaces
 * it. Frameworks keep per-method facts on the method itself: NestJS stores the route path,
 * guards, pipes and interceptors as reflect-metadata entries on `descriptor.value`, other
 * libraries set own properties. A wrapper without them would silently drop a route or, worse,
 * a guard, depending only on whether the hotpath decorator was written above or below.
 */
import type { AnyFunction } from './site.js';

/**
 * Keys the wrapper answers for itself: `name` and `length` are the method's (set by
 * `Site.attach`), `prototype` is the wrapper's own, and `arguments`/`caller` are engine slots
 * of sloppy-mode functions that mean nothing on another function.
 */
const OWN_SLOTS: ReadonlySet<PropertyKey> = new Set([
  'name',
  'length',
  'prototype',
  'arguments',
  'caller',
]);

/** The part of the reflect-metadata API used here (installed on the global `Reflect` by the polyfill). */
interface MetadataApi {
  getOwnMetadataKeys(target: object): unknown[];
  getOwnMetadata(key: unknown, target: object): unknown;
  defineMetadata(key: unknown, value: unknown, target: object): void;
}

/**
 * The global reflect-metadata API when the application loaded it; looked up at each wrap
 * because the polyfill may be imported after hotpath. hotpath never imports it itself.
 */
function metadataApi(): MetadataApi | undefined {
  const api = Reflect as unknown as Partial<MetadataApi>;
  return typeof api.getOwnMetadataKeys === 'function' &&
    typeof api.getOwnMetadata === 'function' &&
    typeof api.defineMetadata === 'function'
    ? (api as MetadataApi)
    : undefined;
}

/**
 * Copies every own property of `from` (symbols included, descriptors as they are, so accessors
 * stay accessors) except {@link OWN_SLOTS}, and every own reflect-metadata entry of `from`
 * (the ones without a property key, which is where method decorators put them), onto `to`.
 *
 * A snapshot taken when the wrapper is made: decorators applied later (written above) see the
 * wrapper and write to it; stacked hotpath decorators share one wrapper, so what is attached
 * between them stays. Values are shared, not cloned (Nest's array-valued entries are replaced,
 * never mutated, when a later decorator extends them).
 */
export function carryAttachments(from: AnyFunction, to: AnyFunction): void {
  for (const key of Reflect.ownKeys(from)) {
    if (OWN_SLOTS.has(key)) continue;
    Object.defineProperty(to, key, Object.getOwnPropertyDescriptor(from, key)!);
  }
  const metadata = metadataApi();
  if (!metadata) return;
  for (const key of metadata.getOwnMetadataKeys(from)) {
    metadata.defineMetadata(key, metadata.getOwnMetadata(key, from), to);
  }
}
