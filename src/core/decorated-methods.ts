/**
 * Does a class have hotpath-decorated methods? What the container integrations (NestJS,
 * inversify's plugin) ask of every instance they see, once per class.
 */
import { siteOf } from './site.js';

const known = new WeakMap<object, boolean>();

/**
 * Whether `prototype` or one of its ancestors (up to `Object.prototype`) has a method, getter
 * or setter wrapped by a hotpath decorator. Cached per prototype.
 */
export function hasDecoratedMethods(prototype: object): boolean {
  let answer = known.get(prototype);
  if (answer === undefined) {
    answer = scan(prototype);
    known.set(prototype, answer);
  }
  return answer;
}

function scan(prototype: object): boolean {
  for (
    let proto: object | null = prototype;
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of Reflect.ownKeys(proto)) {
      if (name === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(proto, name)!;
      if (siteOf(d.value) ?? siteOf(d.get) ?? siteOf(d.set)) return true;
    }
  }
  return false;
}
