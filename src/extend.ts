/**
 * `hotpath/extend`: what writing a decorator of your own takes. `createDecorator` turns a
 * layer factory into a decorator that works in both decorator standards and as a function
 * wrapper; a {@link Layer} wraps the rest of the chain once per method and sees each
 * {@link Call}; {@link PerOwner} keeps state per instance; the key functions name arguments
 * the way `@cached` and `@batched` do; the channels publish and observe decorator events and
 * calls; the clock is the time source registries hand out.
 *
 * Applications that only apply decorators need `hotpath` alone. Every runtime name exported
 * here is described in the README ("Writing your own decorator"); the surface is pinned by
 * `api/hotpath-extend.api.md` (`npm run check:api`).
 */
export type { Call, Middleware } from './core/call.js';
export { systemClock, type Clock } from './core/clock.js';
export type { Control } from './core/control.js';
export {
  createDecorator,
  type AnyFunction,
  type DecorationSite,
  type DecoratorSpec,
  type HotpathDecorator,
} from './core/intercept.js';
export { argumentKey, valueKey } from './core/key.js';
export type { OptionSite } from './core/options.js';
export { PerOwner } from './core/state.js';
export type {
  ControlContext,
  Invoke,
  Layer,
  LayerControl,
  SiteInfo,
  SiteKind,
} from './core/site.js';
export {
  callChannel,
  eventChannel,
  publishEvent,
  type CallContext,
  type HotpathEvent,
} from './core/channels.js';
export type { Runtime } from './core/runtime.js';
export { registryRuntime } from './core/runtime-of.js';
export type { Hotpath } from './registry/hotpath.js';
export type { ErrorInfo } from './registry/types.js';
