/**
 * Test helpers: build a `@debounce`/`@throttle`d function in either form (a decorated method
 * of a class, or the functional wrapper), so each lodash case runs against both.
 */
import {
  bindHotpath,
  control,
  createHotpath,
  debounce,
  throttle,
  type Clock,
  type Control,
  type DebounceOptions,
  type Duration,
  type Hotpath,
  type ThrottleOptions,
} from '../../src/index.js';

export type Kind = 'debounce' | 'throttle';
export type Form = 'method' | 'function';
export const FORMS: Form[] = ['method', 'function'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = (this: any, ...args: any[]) => unknown;

export interface Timed {
  /** Calls the decorated function (on the instance for the method form). */
  (...args: unknown[]): Promise<unknown>;
  /** Calls it with `thisArg` (functional form) or on the instance (method form, `thisArg` ignored). */
  on(thisArg: unknown, ...args: unknown[]): Promise<unknown>;
  /** The `this` the body sees for a call made with `on(thisArg)`. */
  self(thisArg: unknown): unknown;
  /** `control()` of the decorated function. */
  control(): Control;
}

/**
 * `kind(options)` applied to `body`, as a method (`form: 'method'`) or a wrapped function.
 * With `registry`, the instance/function is bound to it.
 */
export function timed(
  kind: Kind,
  form: Form,
  body: Body,
  options: Duration | DebounceOptions | ThrottleOptions,
  registry?: Hotpath,
): Timed {
  const deco =
    kind === 'debounce'
      ? debounce(options as DebounceOptions)
      : throttle(options as ThrottleOptions);
  let call: (thisArg: unknown, args: unknown[]) => Promise<unknown>;
  let self: (thisArg: unknown) => unknown;
  let ctl: () => Control;
  if (form === 'function') {
    const fn = deco(function (this: unknown, ...args: unknown[]): Promise<unknown> {
      return body.apply(this, args) as Promise<unknown>;
    });
    if (registry) bindHotpath(fn, registry);
    call = (thisArg, args) => fn.apply(thisArg, args);
    self = (thisArg) => thisArg;
    ctl = () => control(fn);
  } else {
    class Host {
      @deco
      run(...args: unknown[]): Promise<unknown> {
        return body.apply(this, args) as Promise<unknown>;
      }
    }
    const host = new Host();
    if (registry) bindHotpath(host, registry);
    call = (_thisArg, args) => host.run(...args);
    self = () => host;
    ctl = () => control(host, 'run');
  }
  const t = ((...args: unknown[]) => call(undefined, args)) as Timed;
  t.on = (thisArg, ...args) => call(thisArg, args);
  t.self = self;
  t.control = ctl;
  return t;
}

/** A registry whose clock reads `now()` (the fake timers schedule the timers). */
export function registryWithNow(now: () => number): Hotpath {
  const clock: Clock = {
    now,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
  return createHotpath({ name: 'test-clock', clock });
}
