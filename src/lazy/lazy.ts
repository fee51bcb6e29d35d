/**
 * `@lazy()`: a getter computed on first access per instance, then returned as is; and
 * `lazy(factory)`, its functional form, a zero-argument function that computes once.
 *
 * Async-aware: a getter that returns a promise caches the promise, so concurrent readers
 * share one computation; if that promise rejects, the value is forgotten and the next access
 * computes again (a failed connection attempt is not remembered forever). The rejection still
 * reaches every caller holding the promise; hotpath's own bookkeeping handler never turns it
 * into an unhandled rejection.
 *
 * Events on the `hotpath:event` channel (`decorator: 'lazy'`):
 * - `computed` — the getter ran (`{ async }`: whether it returned a promise);
 * - `rejected` — a cached promise rejected and was forgotten;
 * - `reset` — `control(obj, 'prop').reset()` forgot a value.
 *
 * Figures (`registry.stats().methods[...].lazy`): `computed`, `hits`, `rejected`, `resets`.
 */
import { publishEvent } from '../core/channels.js';
import { createDecorator, type AnyFunction } from '../core/intercept.js';
import { optionError } from '../core/options.js';
import type { Invoke, Layer, SiteInfo } from '../core/site.js';
import { PerOwner } from '../core/state.js';
import { runtimeOf } from '../core/runtime-of.js';
import { isThenable } from '../core/thenable.js';

/**
 * The decorator `lazy()` returns: applies to getters only, in both decorator standards.
 * On a method it is a compile error (TC39: the context is not a getter context; legacy: the
 * property type is a function). A getter whose type is itself a function type is refused by
 * the legacy signature too (TypeScript cannot tell it from a method there).
 */
export interface LazyDecorator {
  /** TC39 standard decorator on a getter (instance or static). */
  <This, T>(
    value: (this: This) => T,
    context: ClassGetterDecoratorContext<This, T>,
  ): (this: This) => T;
  /** Legacy (`experimentalDecorators`) decorator on a getter (instance or static). */
  <T>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<T extends AnyFunction ? never : T>,
  ): void;
}

/** Figures of one `@lazy` getter in one registry (all owners together). */
export interface LazyFigures {
  /** Times the getter ran. */
  computed: number;
  /** Accesses answered from the remembered value. */
  hits: number;
  /** Remembered promises that rejected (and were forgotten). */
  rejected: number;
  /** `reset()` calls that forgot a value. */
  resets: number;
}

/** One owner's remembered value. `has` distinguishes a remembered `undefined` from none. */
interface LazyState {
  has: boolean;
  value: unknown;
  readonly figures: LazyFigures;
}

function newFigures(): LazyFigures {
  return { computed: 0, hits: 0, rejected: 0, resets: 0 };
}

function lazyLayer(): Layer {
  // Filled at the first call, when the site's full name (`Class.prop`) is known in both modes.
  let site!: SiteInfo;
  const states = new PerOwner<LazyState>((owner) => ({
    has: false,
    value: undefined,
    figures: runtimeOf(owner).metric(site, 'lazy', newFigures),
  }));

  const forgetOnRejection = (state: LazyState, promise: PromiseLike<unknown>): void => {
    // This derived promise handles the rejection for our bookkeeping only; callers still get
    // the original promise and see the rejection through it.
    promise.then(undefined, () => {
      if (state.value !== promise) return; // reset (and maybe recomputed) meanwhile
      state.has = false;
      state.value = undefined;
      state.figures.rejected++;
      publishEvent('lazy', 'rejected', site);
    });
  };

  return {
    decorator: 'lazy',
    // A getter starts no work shutdown would wait for: remembered values stay readable.
    servesAfterShutdown: true,
    wrap(inner: Invoke, s: SiteInfo): Invoke {
      site = s;
      return (call) => {
        const state = states.get(call.owner);
        if (state.has) {
          state.figures.hits++;
          return state.value;
        }
        // A getter that throws remembers nothing: the next access runs it again.
        const value = inner(call);
        state.has = true;
        state.value = value;
        state.figures.computed++;
        const async = isThenable(value);
        if (async) forgetOnRejection(state, value);
        publishEvent('lazy', 'computed', site, () => ({ async }));
        return value;
      };
    },
    control: {
      reset(ctx) {
        const state = states.peek(ctx.owner);
        if (!state?.has) return;
        state.has = false;
        state.value = undefined;
        state.figures.resets++;
        publishEvent('lazy', 'reset', ctx.site);
      },
      stats(ctx) {
        const state = states.peek(ctx.owner);
        const figures = state?.figures ?? ctx.runtime.metric(ctx.site, 'lazy', newFigures);
        return { ...figures, remembered: state?.has ?? false };
      },
    },
  };
}

const lazyDecorator = createDecorator({
  name: 'lazy',
  targets: ['getter', 'function'],
  layer: lazyLayer,
});

/**
 * `@lazy()` on a getter: computes it on first access per instance (per class for a static
 * getter, per subclass when a subclass reads an inherited static getter), then returns the
 * same value on every later access, `undefined` and `null` included. A getter that throws
 * remembers nothing. A getter returning a promise remembers the promise; if it rejects, the
 * next access computes again. `control(obj, 'prop').reset()` forgets the value. A setter
 * declared beside the getter keeps working but does not reset the remembered value.
 *
 * Cost per access once computed: one `WeakMap` lookup.
 *
 * @example
 * class Db { @lazy() get pool(): Promise<Pool> { return createPool(this.url); } }
 */
export function lazy(): LazyDecorator;
/**
 * Functional form: returns a zero-argument function that runs `factory` on its first call
 * and returns that result on every later one (a rejected promise is forgotten, as with the
 * getter). `control(fn).reset()` forgets it.
 *
 * @example
 * const config = lazy(() => loadConfig()); config(); config(); // loads once
 */
export function lazy<T>(factory: () => T): () => T;
export function lazy(...args: unknown[]): unknown {
  // `lazy()` (or `lazy(undefined)`) is the decorator factory; `lazy(fn)` the functional form.
  // The core treats any one-argument call of a decorator as the functional form, so the
  // factory is told apart here, before the core sees it.
  if (args.length === 0 || (args.length === 1 && args[0] === undefined)) return lazyDecorator;
  if (args.length === 1) {
    if (typeof args[0] !== 'function') {
      throw optionError({ where: 'lazy(factory)' }, 'factory', 'a function', args[0]);
    }
    return lazyDecorator(args[0] as AnyFunction);
  }
  // `@lazy` written without parentheses: the decorator call itself, in either standard.
  return (lazyDecorator as unknown as (...a: unknown[]) => unknown)(...args);
}
