/**
 * The only place hotpath wraps anything. `createDecorator` turns a layer factory into a
 * decorator that accepts all three call shapes:
 *
 * - TC39 standard decorators: `(value, context)` where `context.kind` is a string;
 * - legacy `experimentalDecorators`: `(target, key, descriptor)` (a function `target` means a
 *   static member);
 * - the functional form: `(fn)` returns a wrapped function whose state belongs to it.
 *
 * Every shape ends in the same wrapper: it finds the state owner, refuses calls after
 * shutdown, and runs the site's compiled middleware chain.
 */
import { HotpathError } from '../errors.js';
import { Call } from './call.js';
import { callChannel, traceCall } from './channels.js';
import { ObservedPromise, guardRejection } from './observed-promise.js';
import { configError, describeValue, type OptionSite } from './options.js';
import { runtimeOf } from './runtime-of.js';
import { shutdownState } from './shutdown-state.js';
import { perSiteCopy } from './per-site-copy.js';
import { PASS, Site, siteOf, type AnyFunction, type Layer, type SiteKind } from './site.js';

export type { AnyFunction } from './site.js';

/**
 * A decorator usable in both decorator standards and as a function wrapper. `M` is the method
 * type it accepts: applying it to anything else is a compile error in both modes.
 */
export interface HotpathDecorator<M extends AnyFunction = AnyFunction> {
  /** TC39 standard decorator on a method. */
  <T extends M>(value: T, context: ClassMethodDecoratorContext<unknown, T>): T;
  /** Legacy (`experimentalDecorators`) decorator on a method. */
  <T extends M>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ): TypedPropertyDescriptor<T>;
  /** Functional form: returns `fn` wrapped; the wrapper owns the state. */
  <T extends M>(fn: T): T;
}

/** Where a decorator is being applied, for its layer factory. */
export interface DecorationSite extends OptionSite {
  /** What it was applied to. */
  readonly kind: SiteKind;
  /** Static member? */
  readonly isStatic: boolean;
}

/** How a decorator is defined: its name, what it applies to, and its layer factory. */
export interface DecoratorSpec {
  /** Name without `@`, e.g. `'cached'`. */
  readonly name: string;
  /**
   * What it may be applied to; anything else is refused when the decorator is applied.
   *
   * @default ['method', 'function'] (methods and plain functions, not getters)
   */
  readonly targets?: readonly SiteKind[];
  /**
   * Validates the options for this application and returns the layer. Runs once per decorated
   * method, at class definition time, so bad options throw there.
   */
  layer(site: DecorationSite): Layer;
}

const TARGET_WORDS: Record<SiteKind, string> = {
  method: 'methods',
  getter: 'getters',
  function: 'functions',
};

/** Builds a decorator from `spec`; see the module comment for the accepted call shapes. */
export function createDecorator<M extends AnyFunction = AnyFunction>(
  spec: DecoratorSpec,
): HotpathDecorator<M> {
  const targets = spec.targets ?? (['method', 'function'] as const);

  const refuseTarget = (where: string, what: string): never => {
    throw configError(
      { decorator: spec.name, where },
      `applies to ${targets.map((t) => TARGET_WORDS[t]).join(' and ')}, not to ${what}`,
    );
  };

  const decorate = (
    kind: SiteKind,
    fn: unknown,
    method: string,
    isStatic: boolean,
    className: string | undefined,
  ): AnyFunction => {
    const where = className ? `${className}.${method}` : method;
    if (!targets.includes(kind)) refuseTarget(where, TARGET_WORDS[kind]);
    if (typeof fn !== 'function') {
      throw configError(
        { decorator: spec.name, where },
        `the decorated value must be a function, got ${describeValue(fn)}`,
      );
    }
    const layer = spec.layer({ decorator: spec.name, where, kind, isStatic });
    const existing = siteOf(fn);
    // Stacked decorators on one method share one site (one wrapper, one Call per call). The
    // functional form always wraps anew: the inner function stays usable on its own.
    if (existing && kind !== 'function' && existing.kind === kind) {
      existing.addLayer(layer);
      return existing.wrapper;
    }
    const site = new Site(kind, method, isStatic, fn as AnyFunction, className);
    site.addLayer(layer);
    site.attach(createWrapper(site));
    return site.wrapper;
  };

  function decorator(value: unknown, context?: unknown, descriptor?: unknown): unknown {
    if (arguments.length === 1) {
      const name = (typeof value === 'function' && value.name) || 'anonymous function';
      return decorate('function', value, name, false, undefined);
    }
    if (isTc39Context(context)) {
      const name =
        typeof context.name === 'symbol'
          ? (context.name.description ?? 'symbol')
          : String(context.name);
      if (context.kind !== 'method' && context.kind !== 'getter')
        refuseTarget(name, `${context.kind}s`);
      const kind = context.kind as 'method' | 'getter';
      const wrapper = decorate(kind, value, name, Boolean(context.static), undefined);
      return wrapper;
    }
    // Legacy: (prototype | constructor, key, descriptor).
    const isStatic = typeof value === 'function';
    const className = isStatic
      ? (value as AnyFunction).name
      : ((value as { constructor?: AnyFunction } | null)?.constructor?.name ?? '');
    const name = typeof context === 'symbol' ? (context.description ?? 'symbol') : String(context);
    const d = descriptor as PropertyDescriptor | undefined;
    if (!d) refuseTarget(`${className}.${name}`, 'properties');
    if (typeof d!.get === 'function') {
      return { ...d, get: decorate('getter', d!.get, name, isStatic, className) };
    }
    return { ...d, value: decorate('method', d!.value, name, isStatic, className) };
  }
  return decorator as HotpathDecorator<M>;
}

function isTc39Context(value: unknown): value is {
  kind: string;
  name: string | symbol;
  static?: boolean;
} {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string'
  );
}

function detached(site: Site): never {
  const name = site.name;
  throw new HotpathError(
    'E_NO_RECEIVER',
    `${name} was called without a receiver (\`this\` is undefined): call it on an instance (obj.${site.method}(...)) or bind it first (obj.${site.method}.bind(obj))`,
  );
}

/**
 * After a shutdown, a call to a closed registry is refused: a rejection for promise-returning
 * methods, a throw otherwise. The rejection is hotpath's own, and callers of debounced or
 * write-behind methods often fire and forget: when nobody handles it, it goes to the
 * registry's `error` event instead of becoming an unhandled rejection.
 */
function refused(site: Site, owner: object): { value: unknown } | undefined {
  const registry = runtimeOf(owner);
  if (!registry.refuses() || !site.refusesAfterShutdown) return undefined;
  const error = registry.shutdownError(site.name);
  if (!site.returnsPromise) throw error;
  const value = new ObservedPromise((_resolve, reject) => reject(error));
  guardRejection(value, (e) => registry.emitError(e, { method: site.name }));
  return { value };
}

/** What the wrapper factories use from this module and its imports (see {@link memberWrapper}). */
interface WrapperHelpers {
  readonly Call: typeof Call;
  readonly PASS: typeof PASS;
  readonly callChannel: typeof callChannel;
  readonly detached: typeof detached;
  readonly refused: typeof refused;
  readonly shutdownState: typeof shutdownState;
  readonly traceCall: typeof traceCall;
}

const helpers: WrapperHelpers = {
  Call,
  PASS,
  callChannel,
  detached,
  refused,
  shutdownState,
  traceCall,
};

/**
 * The wrapper of `site`. A class member's is made by a copy of {@link memberWrapper} of its own
 * (see per-site-copy.ts: V8 then keeps this method's type feedback apart from every other
 * decorated method's, and inlines its hit path); the functional form's by
 * {@link functionWrapper} itself.
 */
function createWrapper(site: Site): AnyFunction {
  return site.kind === 'function'
    ? functionWrapper(site, helpers)
    : perSiteCopy(site, memberWrapper, site, helpers);
}

/* eslint-disable prefer-rest-params -- the wrappers read `arguments` on purpose, see memberWrapper */

/**
 * Makes the wrapper of a method or getter `site`. It is compiled again from its source for
 * every decorated member (per-site-copy.ts), so it uses nothing but its parameters (no
 * module-level names, no imports: a copy that cannot see one fails on its first call, not when
 * it is made), and holds no comments (they would be compiled again, per member, too).
 *
 * The wrappers declare no parameters and read `arguments` (cheap in strict mode: its length
 * and elements, not an object): a call of one argument or none that the site's shortcut
 * answers (a `@cached` hit) allocates nothing, neither the arguments array nor the `Call`.
 * Every other call forwards its arguments to `run`, which collects them as `...args`, builds
 * the call's `Call`, and traces it on `hotpath:call` when someone subscribes (one property read
 * when nobody does).
 */
function memberWrapper(site: Site, helpers: WrapperHelpers): AnyFunction {
  const { Call, PASS, callChannel, detached, refused, shutdownState, traceCall } = helpers;
  function run(instance: object, ...args: unknown[]): unknown {
    const call = new Call(site, instance, instance, args);
    return callChannel.hasSubscribers ? traceCall(site, call) : site.invoke(call);
  }
  if (site.kind === 'getter') {
    return function hotpathGetter(this: unknown): unknown {
      if (this === null || this === undefined) detached(site);
      if (shutdownState.seen) {
        const r = refused(site, this as object);
        if (r) return r.value;
      }
      const shortcut = site.shortcut;
      if (shortcut !== undefined && !callChannel.hasSubscribers) {
        const r = shortcut(this as object, 0, undefined);
        if (r !== PASS) return r;
      }
      return run(this as object);
    };
  }
  return function hotpathMethod(this: unknown): unknown {
    if (this === null || this === undefined) detached(site);
    if (shutdownState.seen) {
      const r = refused(site, this as object);
      if (r) return r.value;
    }
    const argc = arguments.length;
    if (argc < 2) {
      const shortcut = site.shortcut;
      if (shortcut !== undefined && !callChannel.hasSubscribers) {
        const r = shortcut(this as object, argc, arguments[0]);
        if (r !== PASS) return r;
      }
    }
    return run(this as object, ...arguments);
  };
}

/**
 * Makes the wrapper of a wrapped function (the functional form): as {@link memberWrapper}, with
 * the wrapper's token as the state owner, and no receiver required.
 */
function functionWrapper(site: Site, helpers: WrapperHelpers): AnyFunction {
  const { Call, PASS, callChannel, refused, shutdownState, traceCall } = helpers;
  const token = site.token;
  function run(instance: unknown, ...args: unknown[]): unknown {
    const call = new Call(site, instance, token, args);
    return callChannel.hasSubscribers ? traceCall(site, call) : site.invoke(call);
  }
  return function hotpathFunction(this: unknown): unknown {
    if (shutdownState.seen) {
      const r = refused(site, token);
      if (r) return r.value;
    }
    const argc = arguments.length;
    if (argc < 2) {
      const shortcut = site.shortcut;
      if (shortcut !== undefined && !callChannel.hasSubscribers) {
        const r = shortcut(token, argc, arguments[0]);
        if (r !== PASS) return r;
      }
    }
    return run(this, ...arguments);
  };
}

/* eslint-enable prefer-rest-params */
