/**
 * `control()`: the handle to a decorated method's state on one instance (or to a wrapped
 * function's state): invalidate and clear caches, cancel/flush pending debounced, throttled
 * and batched work, reset lazy values, read figures.
 */
import { HotpathError } from '../errors.js';
import { optionError } from './options.js';
import {
  siteOf,
  type AnyFunction,
  type ControlContext,
  type Layer,
  type LayerControl,
  type Site,
} from './site.js';
import { runtimeOf } from './runtime-of.js';

/**
 * Operations on one decorated method of one instance. An operation none of the method's
 * decorators supports throws `HotpathError` `E_NOT_APPLICABLE`.
 */
export interface Control {
  /** `@cached`: removes the entry for these arguments from every tier. */
  invalidate(...args: unknown[]): Promise<void>;
  /** `@cached`: removes every entry of the method (O(1) in shared tiers). */
  clear(): Promise<void>;
  /** `@debounce`/`@throttle`/`@batched`: drops pending work; its callers reject with `E_CANCELLED`. */
  cancel(): void;
  /** `@debounce`/`@throttle`/`@batched`: runs pending work now; resolves when it has run. */
  flush(): Promise<void>;
  /** `@debounce`/`@throttle`/`@batched`: whether work is pending. */
  pending(): boolean;
  /** `@lazy`: forgets the computed value. */
  reset(): void;
  /** Every decorator's figures for this method, keyed by decorator name. */
  stats(): Record<string, Record<string, unknown>>;
}

type Operation = keyof LayerControl;

/** Finds the wrapper of `instance[method]` (value or getter) along the prototype chain. */
function findWrapper(instance: object, method: string): unknown {
  let holder: object | null = instance;
  while (holder !== null) {
    const d = Object.getOwnPropertyDescriptor(holder, method);
    if (d) return d.get ?? d.value;
    holder = Object.getPrototypeOf(holder) as object | null;
  }
  return undefined;
}

/** Handle for `instance.method` (for static methods pass the class as `instance`). */
export function control(instance: object, method: string): Control;
/** Handle for a function returned by a decorator's functional form. */
export function control(fn: AnyFunction): Control;
export function control(target: object, method?: string): Control {
  let site: Site | undefined;
  let owner: object;
  if (method === undefined) {
    site = siteOf(target);
    if (!site || site.kind !== 'function') {
      throw new HotpathError(
        'E_NOT_APPLICABLE',
        `control(fn): ${describeTarget(target)} is not a function returned by a hotpath decorator; for a method use control(instance, 'method')`,
      );
    }
    owner = site.token;
  } else {
    if (target === null || (typeof target !== 'object' && typeof target !== 'function')) {
      throw optionError(
        { where: `control(instance, '${method}')` },
        'instance',
        'an instance or a class',
        target,
      );
    }
    site = siteOf(findWrapper(target, method));
    if (!site) {
      const cls = typeof target === 'function' ? target.name : target.constructor?.name;
      throw new HotpathError(
        'E_NOT_APPLICABLE',
        `control(): ${cls}.${method} is not decorated by hotpath`,
      );
    }
    owner = target;
    site.compile(target);
  }
  return new MethodControl(site, owner);
}

/** Waits for every layer's part of an operation. */
async function settle(work: (Promise<void> | void)[]): Promise<void> {
  await Promise.all(work);
}

function describeTarget(target: unknown): string {
  return typeof target === 'function' ? `function ${target.name || '(anonymous)'}` : String(target);
}

/** A layer with the context its operations act on (a wrapped wrapper's layers use its own token). */
interface Bound {
  readonly layer: Layer;
  readonly ctx: ControlContext;
}

class MethodControl implements Control {
  readonly #site: Site;
  readonly #bound: Bound[] = [];

  constructor(site: Site, owner: object) {
    this.#site = site;
    const runtime = runtimeOf(owner);
    // The functional form may wrap another wrapper: reach through to its layers too, each
    // acting on its own function's state.
    for (let s: Site | undefined = site, o = owner; s; s = s.inner, o = s?.token ?? o) {
      const r = s === site ? runtime : runtimeOf(o);
      const ctx: ControlContext = { owner: o, registry: r.registry, runtime: r, site: s };
      for (const layer of s.layers) this.#bound.push({ layer, ctx });
    }
  }

  #supporting(op: Operation): Bound[] {
    const found = this.#bound.filter((b) => typeof b.layer.control?.[op] === 'function');
    if (found.length === 0) {
      const decorators = [...new Set(this.#bound.map((b) => `@${b.layer.decorator}`))].join(', ');
      throw new HotpathError(
        'E_NOT_APPLICABLE',
        `control(${this.#site.name}).${op}(): not applicable; its decorators (${decorators}) do not support ${op}()`,
      );
    }
    return found;
  }

  // Operations that do not apply throw synchronously (a programming error), even the async ones.
  invalidate(...args: unknown[]): Promise<void> {
    return settle(
      this.#supporting('invalidate').map((b) => b.layer.control!.invalidate!(b.ctx, args)),
    );
  }

  clear(): Promise<void> {
    return settle(this.#supporting('clear').map((b) => b.layer.control!.clear!(b.ctx)));
  }

  cancel(): void {
    for (const b of this.#supporting('cancel')) b.layer.control!.cancel!(b.ctx);
  }

  flush(): Promise<void> {
    return settle(this.#supporting('flush').map((b) => b.layer.control!.flush!(b.ctx)));
  }

  pending(): boolean {
    return this.#supporting('pending').some((b) => b.layer.control!.pending!(b.ctx));
  }

  reset(): void {
    for (const b of this.#supporting('reset')) b.layer.control!.reset!(b.ctx);
  }

  stats(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const { layer, ctx } of this.#bound) {
      if (layer.control?.stats) out[layer.decorator] = layer.control.stats(ctx);
    }
    return out;
  }
}
