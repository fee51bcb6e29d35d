/**
 * Which registry an instance uses: the one bound to it, else the default `hotpath`.
 */
import { optionError } from '../core/options.js';
import { siteOf } from '../core/site.js';
import { Hotpath } from './hotpath.js';

/** The default registry, used by every instance not bound to another one. */
export const hotpath: Hotpath = new Hotpath({ name: 'default' });

const bound = new WeakMap<object, Hotpath>();
/** No binding yet: skip the WeakMap lookup on every call. */
let anyBound = false;

/**
 * Binds `target` to `registry`: its decorated methods then use that registry's stores,
 * limiters, stats and shutdown. `target` is an instance, a class (for its static methods), or a
 * function returned by a decorator's functional form. Returns `target`. Bind before the first
 * call; the container integration does this on activation.
 */
export function bindHotpath<T extends object>(target: T, registry: Hotpath): T {
  if (!(registry instanceof Hotpath)) {
    throw optionError(
      { where: 'bindHotpath' },
      'registry',
      'a registry made by createHotpath()',
      registry,
    );
  }
  bound.set(siteOf(target)?.token ?? target, registry);
  anyBound = true;
  return target;
}

/** The registry `owner` (an instance, a constructor or a wrapped function's token) uses. */
export function registryOf(owner: object | undefined): Hotpath {
  if (!anyBound || owner === undefined) return hotpath;
  return bound.get(owner) ?? hotpath;
}
