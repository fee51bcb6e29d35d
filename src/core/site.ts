/**
 * A decorated method (or wrapped function): its identity, its layers, and the compiled chain
 * that runs them. There is exactly one wrapper function per site; stacking decorators on a
 * method adds layers to the same site instead of wrapping wrappers.
 */
import { carryAttachments } from './attachments.js';
import { perSiteCopy } from './per-site-copy.js';
import type { Call } from './call.js';
import type { PublicRegistry, Runtime } from './runtime.js';

/** Any function or method type; decorators constrain the methods they accept with subtypes of it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunction = (this: any, ...args: any[]) => any;

/** Runs a call through a (part of a) chain and returns what the caller gets. */
export type Invoke = (call: Call) => unknown;

/** What a `control()` operation hands a layer: whose state, in which registry. */
export interface ControlContext {
  /** The instance (or constructor, or the wrapped function's token) whose state to act on. */
  readonly owner: object;
  /** The registry that owner uses. */
  readonly registry: PublicRegistry;
  /** What a layer uses of that registry (see `call.runtime`). */
  readonly runtime: Runtime;
  /** The decorated method. */
  readonly site: SiteInfo;
}

/** The `control()` operations a layer may support. Unsupported ones answer `E_NOT_APPLICABLE`. */
export interface LayerControl {
  invalidate?(ctx: ControlContext, args: unknown[]): Promise<void> | void;
  clear?(ctx: ControlContext): Promise<void> | void;
  cancel?(ctx: ControlContext): void;
  flush?(ctx: ControlContext): Promise<void> | void;
  pending?(ctx: ControlContext): boolean;
  reset?(ctx: ControlContext): void;
  stats?(ctx: ControlContext): Record<string, unknown>;
}

/**
 * One decorator's contribution to a method: a middleware compiled once per site.
 *
 * `wrap(inner, site)` runs once, at the site's first call (when the class name is known in
 * both decorator modes), and returns the invoker for this layer. Keep per-call work inside
 * the returned function allocation-free where possible: `inner(call)` is the "next" of the chain.
 */
export interface Layer {
  /** Decorator name without `@` (`'cached'`), used in messages and `stats()`. */
  readonly decorator: string;
  /** Builds this layer's invoker around `inner`. */
  wrap(inner: Invoke, site: SiteInfo): Invoke;
  /** `control()` operations this layer supports. */
  readonly control?: LayerControl;
  /** True when the layer always hands callers a promise (then refusals are rejections, not throws). */
  readonly async?: boolean;
  /**
   * True when calls may still pass after the registry's `shutdown()`: the layer starts no work
   * that shutdown would have to wait for (`@lazy` answering a remembered value). A method is
   * refused after shutdown unless every one of its layers says so.
   */
  readonly servesAfterShutdown?: boolean;
}

/**
 * What a {@link Shortcut} returns when it does not answer a call: the call then runs the whole
 * chain, as if the shortcut had not been tried.
 */
export const PASS: unique symbol = Symbol('hotpath.pass');

/**
 * A layer's answer to the commonest calls without building a `Call`: `argc` is the call's
 * argument count (0 or 1, the only calls offered) and `arg` its argument. It returns what the
 * caller gets, or {@link PASS} to hand the call to the chain. A shortcut that passes must leave
 * no trace the chain would not leave itself (the chain then does everything again).
 */
export type Shortcut = (owner: object, argc: number, arg: unknown) => unknown;

/**
 * Runs a class member's own method (or getter) on `owner`, its `this`, with `argc` (0 or 1)
 * arguments, `arg` being the one: how a {@link Shortcut} calls the method when nothing else
 * lies between it and the method.
 */
export type DirectCall = (owner: object, argc: number, arg: unknown) => unknown;

/**
 * A layer with a {@link Shortcut} (internal to the built-in decorators). Only the outermost
 * layer's shortcut is tried: every other layer must see every call.
 */
export interface ShortcutLayer extends Layer {
  /**
   * Whether the shortcut may run the method itself: it is then given a {@link DirectCall} when
   * the layer is a class member's only one (each costs a compilation, see per-site-copy.ts).
   */
  readonly runsMethod?: boolean;
  /**
   * The shortcut for `site`, built when the chain compiles; `undefined` when there is none.
   * `direct`: see {@link ShortcutLayer.runsMethod}.
   */
  shortcut(site: SiteInfo, direct: DirectCall | undefined): Shortcut | undefined;
}

/** What a decorator was applied to. */
export type SiteKind = 'method' | 'getter' | 'function';

/**
 * A decorated method (or wrapped function) as layers, middleware and `control()` operations
 * see it: its identity, read-only. The site itself (its layers, wrapper and compiled chain)
 * stays inside the interception core, so no decorator can rewire another's chain.
 */
export interface SiteInfo {
  /** `'method'`, `'getter'` or `'function'` (the functional form). */
  readonly kind: SiteKind;
  /** Method (or function) name. */
  readonly method: string;
  /** Static member? */
  readonly isStatic: boolean;
  /**
   * Name of the declaring class; `''` for plain functions. TC39 decorators are not told their
   * class, so it is known from the method's first call on: always by the time `Layer.wrap` runs.
   */
  readonly className: string;
  /** `ClassName.method`, or the method name alone while the class is not known yet. */
  readonly name: string;
  /**
   * Whether callers always get a promise: some layer is `async`, or the method is an `async`
   * function. Then a refusal should be a rejection, not a throw.
   */
  readonly returnsPromise: boolean;
}

const sites = new WeakMap<AnyFunction, Site>();

/** The site whose wrapper is `fn`, if `fn` is a hotpath wrapper. */
export function siteOf(fn: unknown): Site | undefined {
  return typeof fn === 'function' ? sites.get(fn as AnyFunction) : undefined;
}

/** A decorated method or wrapped function (internal: extensions see its {@link SiteInfo}). */
export class Site implements SiteInfo {
  /** `'method'`, `'getter'` or `'function'` (the functional form). */
  readonly kind: SiteKind;
  /** Method (or function) name. */
  readonly method: string;
  /** Static member? */
  readonly isStatic: boolean;
  /** The undecorated method/getter/function. */
  readonly original: AnyFunction;
  /** For the functional form: the state owner of this wrapped function (calls key their state by it). */
  readonly token: object = Object.freeze({});
  /** For the functional form wrapping another wrapper: that wrapper's site (`control()` reaches through it). */
  readonly inner: Site | undefined;
  /** Layers, outermost first. */
  readonly layers: Layer[] = [];
  /** The wrapper installed in place of the original. */
  wrapper!: AnyFunction;
  /** Runs the compiled chain; compiled on first call. */
  invoke: Invoke;
  /** The outermost layer's {@link Shortcut}, once the chain compiled (if it has one). */
  shortcut: Shortcut | undefined = undefined;
  #className: string | undefined;
  #compiled = false;

  constructor(
    kind: SiteKind,
    method: string,
    isStatic: boolean,
    original: AnyFunction,
    className?: string,
  ) {
    this.kind = kind;
    this.method = method;
    this.isStatic = isStatic;
    this.original = original;
    this.#className = className;
    this.inner = siteOf(original);
    this.invoke = (call) => {
      this.compile(call.instance);
      return this.invoke(call);
    };
  }

  /**
   * Registers `wrapper` as this site's public face: the original's name and arity, and what
   * other decorators attached to the original (own properties, reflect-metadata entries), so
   * that a NestJS route or guard written below a hotpath decorator is not lost.
   */
  attach(wrapper: AnyFunction): void {
    this.wrapper = wrapper;
    sites.set(wrapper, this);
    Object.defineProperty(wrapper, 'name', { value: this.method, configurable: true });
    Object.defineProperty(wrapper, 'length', { value: this.original.length, configurable: true });
    carryAttachments(this.original, wrapper);
  }

  /** Name of the declaring class; `''` for plain functions. Known from the first call in TC39 mode. */
  get className(): string {
    return this.#className ?? '';
  }

  /** `ClassName.method`, or the method name alone while the class is not known yet. */
  get name(): string {
    return this.#className ? `${this.#className}.${this.method}` : this.method;
  }

  /** Whether any layer always answers with a promise, or the original is an `async function`. */
  get returnsPromise(): boolean {
    return (
      this.layers.some((l) => l.async) ||
      this.original.constructor.name === 'AsyncFunction' ||
      this.original.constructor.name === 'AsyncGeneratorFunction'
    );
  }

  /** Whether calls are refused with `E_SHUTDOWN` once the registry shut down (see {@link Layer.servesAfterShutdown}). */
  get refusesAfterShutdown(): boolean {
    return !this.layers.every((l) => l.servesAfterShutdown);
  }

  /** Adds a layer outside the existing ones (decorators apply innermost first). */
  addLayer(layer: Layer): void {
    this.layers.unshift(layer);
  }

  /**
   * Learns the class name from a receiver (TC39 decorators are not told their class), then
   * compiles the chain. `receiver` is the instance, or the constructor for static members.
   */
  compile(receiver: unknown): void {
    if (this.#compiled) return;
    this.#compiled = true;
    if (this.#className === undefined && this.kind !== 'function') {
      this.#className = declaringClassName(receiver, this);
    }
    // A copy per site (per-site-copy.ts): the call of `original` is then monomorphic, and
    // the layer next to it can inline it.
    let invoke = perSiteCopy(this, originalInvoker, this.original, this.kind === 'getter');
    for (let i = this.layers.length - 1; i >= 0; i--) invoke = this.layers[i]!.wrap(invoke, this);
    this.invoke = invoke;
    const outer = this.layers[0] as Partial<ShortcutLayer> | undefined;
    if (outer?.shortcut !== undefined) {
      const direct =
        outer.runsMethod === true && this.layers.length === 1 && this.kind !== 'function'
          ? perSiteCopy(this, directCall, this.original)
          : undefined;
      this.shortcut = outer.shortcut(this, direct);
    }
  }
}

/**
 * The innermost invoker of a chain: calls the original method (or getter) on the call's
 * instance with its arguments. Copied per site (per-site-copy.ts): uses only its parameters.
 */
function originalInvoker(original: AnyFunction, getter: boolean): Invoke {
  return getter
    ? (call) => original.call(call.instance)
    : (call) => original.apply(call.instance, call.args);
}

/**
 * The {@link DirectCall} of a class member's `original`. Copied per site (per-site-copy.ts):
 * uses only its parameters.
 */
function directCall(original: AnyFunction): DirectCall {
  return (owner, argc, arg) => (argc === 0 ? original.call(owner) : original.call(owner, arg));
}

/** Walks from the receiver up the prototype chain to the object that holds this site's wrapper. */
function declaringClassName(receiver: unknown, site: Site): string {
  let holder: unknown = site.isStatic ? receiver : Object.getPrototypeOf(receiver);
  while (holder !== null && holder !== undefined && holder !== Object.prototype) {
    const d = Object.getOwnPropertyDescriptor(holder, site.method);
    if (d && (d.value === site.wrapper || d.get === site.wrapper)) {
      return site.isStatic
        ? (holder as AnyFunction).name
        : ((holder as { constructor?: AnyFunction }).constructor?.name ?? '');
    }
    holder = Object.getPrototypeOf(holder);
  }
  const fallback = site.isStatic
    ? (receiver as AnyFunction | undefined)?.name
    : (receiver as object | undefined)?.constructor?.name;
  return fallback ?? '';
}
