/**
 * hotpath: declarative performance for service classes. Everything public is re-exported here.
 */
export * from './errors.js';
export { Call, type Middleware } from './core/call.js';
export { type Clock, systemClock } from './core/clock.js';
export { control, type Control } from './core/control.js';
export {
  createDecorator,
  type AnyFunction,
  type DecorationSite,
  type DecoratorSpec,
  type HotpathDecorator,
} from './core/intercept.js';
export { argumentKey, valueKey } from './core/key.js';
export { parseDuration, type Duration } from './core/options.js';
export { PerOwner } from './core/state.js';
export type { ControlContext, Invoke, Layer, LayerControl, Site, SiteKind } from './core/site.js';
export {
  callChannel,
  eventChannel,
  publishEvent,
  type CallContext,
  type HotpathEvent,
} from './core/channels.js';
export {
  Hotpath,
  createHotpath,
  type ShutdownPhase,
  type ShutdownTask,
} from './registry/hotpath.js';
export { hotpath, bindHotpath } from './registry/binding.js';
export type * from './registry/types.js';
export { use } from './use/use.js';
export {
  cached,
  invalidates,
  codec,
  withBreaker,
  CachedFigures,
  type AsyncMethod,
  type BreakerOptions,
  type BreakerState,
  type CachedOptions,
  type Codec,
  type InvalidatesOptions,
} from './cached/index.js';
export * from './lazy/index.js';
export * from './retry/index.js';
export * from './timeout/index.js';
export * from './debounce/index.js';
export * from './throttle/index.js';
export * from './batched/index.js';
export * from './profile/index.js';
export * from './rate-limit/index.js';
