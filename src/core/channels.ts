/**
 * Diagnostics channels (`node:diagnostics_channel`): how hotpath tells observers what happens
 * without depending on any of them. `hotpath/otel` and `hotpath/prometheus` subscribe here;
 * so can anyone (`diagnostics_channel.subscribe('hotpath:event', fn)`). Publishing costs one
 * `hasSubscribers` check (under 1 ns) when nobody listens.
 *
 * ## `hotpath:call` — a tracing channel, one trace per call of a decorated method
 *
 * `diagnostics_channel.tracingChannel('hotpath:call')`, i.e. the channels
 * `tracing:hotpath:call:start`, `:end`, `:asyncStart`, `:asyncEnd` and `:error`, following
 * Node's tracing-channel conventions. Every channel of one call receives the same
 * {@link CallContext} object, so a subscriber can keep per-call state on it (use a symbol key).
 *
 * - `start` — before the chain runs (published through `start.runStores`, so stores bound
 *   with `start.bindStore(als, transform)` are active for the whole call, async parts included);
 * - `end` — when the call returns or throws synchronously. If it returned a promise,
 *   `context.async` is `true` and the outcome arrives later;
 * - `asyncStart`, `asyncEnd` — when the returned promise settles (both, in that order; `result`
 *   or `error` is set by then);
 * - `error` — when the call throws or its promise rejects (`context.error`), before `end` /
 *   `asyncStart`.
 *
 * The trace covers the whole decorated method, every decorator included (a `@cached` hit is a
 * short call). Calls refused after `shutdown()` are not traced.
 *
 * ## `hotpath:event` — decorator events
 *
 * A plain channel: `{ decorator, event, method, ...detail }` ({@link HotpathEvent}), e.g.
 * `{ decorator: 'cached', event: 'hit', method: 'UserService.getUser', tier: 'memory' }`.
 * Each decorator documents the events it publishes next to its code (cache hit/miss/stale,
 * batch dispatched, limiter queued, ...).
 */
import { channel, tracingChannel } from 'node:diagnostics_channel';
import type { Call } from './call.js';
import type { Site, SiteInfo } from './site.js';

/** The channel decorator events are published on. */
export const eventChannel = channel('hotpath:event');

/** A decorator event as published on `hotpath:event`. */
export interface HotpathEvent {
  /** Decorator name without `@`. */
  decorator: string;
  /** Event name, e.g. `'hit'`, `'miss'`, `'dispatch'`, `'queued'`. */
  event: string;
  /** `ClassName.method`. */
  method: string;
  [detail: string]: unknown;
}

/**
 * Publishes a decorator event when someone subscribes. Pass a `detail` builder only when the
 * detail costs something to build: it runs only with subscribers.
 */
export function publishEvent(
  decorator: string,
  event: string,
  site: SiteInfo,
  detail?: Record<string, unknown> | (() => Record<string, unknown>),
): void {
  if (!eventChannel.hasSubscribers) return;
  const extra = typeof detail === 'function' ? detail() : detail;
  eventChannel.publish({ decorator, event, method: site.name, ...extra });
}

/**
 * What every `hotpath:call` channel receives for one call (the same object on all of them).
 * Subscribers may add their own properties (prefer symbol keys).
 */
export interface CallContext {
  /** `ClassName.method` (or the wrapped function's name): the OpenTelemetry `code.function.name`. */
  readonly method: string;
  /** The declaring class, `''` for a wrapped function. */
  readonly className: string;
  /** The method (or function) name alone. */
  readonly functionName: string;
  /** `this` of the call. */
  readonly self: unknown;
  /** The arguments as the call received them. */
  readonly args: readonly unknown[];
  /** True once `end` saw the call return a promise: its outcome arrives on `asyncStart`/`asyncEnd`. */
  async: boolean;
  /** The returned value (the resolved value for a promise), once known. */
  result?: unknown;
  /** What the call threw or its promise rejected with, if it failed. */
  error?: unknown;
  [extra: string | symbol]: unknown;
}

/** The `hotpath:call` tracing channel (see the module comment for its payload and timing). */
export const callChannel = tracingChannel<unknown, CallContext>('hotpath:call');

/**
 * Runs `call` through `site`'s chain inside a `hotpath:call` trace. The interception core calls
 * it only when `callChannel.hasSubscribers`, so untraced calls pay one property read. The
 * caller gets exactly what the chain returned (the same promise, not a derived one).
 */
export function traceCall(site: Site, call: Call): unknown {
  // The first call of a TC39-decorated method is where its class name is learned.
  site.compile(call.instance);
  const context: CallContext = {
    method: site.name,
    className: site.className,
    functionName: site.method,
    self: call.instance,
    args: call.args,
    async: false,
  };
  return callChannel.start.runStores(context, runTraced, undefined, site, call, context);
}

function runTraced(site: Site, call: Call, context: CallContext): unknown {
  let result: unknown;
  try {
    result = site.invoke(call);
  } catch (error) {
    context.error = error;
    callChannel.error.publish(context);
    callChannel.end.publish(context);
    throw error;
  }
  if (result instanceof Promise) {
    context.async = true;
    callChannel.end.publish(context);
    // A derived promise whose handlers never throw: it cannot reject, so observing the
    // caller's promise never creates an unhandled rejection, and the caller keeps its own.
    result.then(
      (value: unknown) => {
        context.result = value;
        settled(context);
      },
      (error: unknown) => {
        context.error = error;
        callChannel.error.publish(context);
        settled(context);
      },
    );
    return result;
  }
  context.result = result;
  callChannel.end.publish(context);
  return result;
}

function settled(context: CallContext): void {
  callChannel.asyncStart.publish(context);
  callChannel.asyncEnd.publish(context);
}

/**
 * Default histogram boundaries for call durations, in seconds (100 µs to 10 s): decorated
 * methods are mostly sub-millisecond to seconds. Used by `hotpath/otel` and `hotpath/prometheus`.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

function ignore(): void {}

/**
 * Subscriber handlers for {@link callChannel} that call `onFinish` exactly once per call, when
 * it is over: at `end` for a sync call, at `asyncEnd` (settled) for a call that returned a
 * promise. `onStart` runs at `start`. Pass the result to `callChannel.subscribe` and
 * `callChannel.unsubscribe`.
 */
export function callHandlers(
  onFinish: (context: CallContext) => void,
  onStart: (context: CallContext) => void = ignore,
): {
  start: (context: CallContext) => void;
  end: (context: CallContext) => void;
  asyncStart: () => void;
  asyncEnd: (context: CallContext) => void;
  error: () => void;
} {
  return {
    start: onStart,
    end: (c) => {
      if (!c.async) onFinish(c);
    },
    asyncStart: ignore,
    asyncEnd: onFinish,
    error: ignore,
  };
}
