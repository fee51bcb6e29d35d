/**
 * OpenTelemetry for hotpath: spans and duration histograms from the `hotpath:call` tracing
 * channel, counters from `hotpath:event`. Needs `@opentelemetry/api` (an optional peer
 * dependency, loaded only by this subpath) and an SDK configured by the application.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  SpanKind,
  SpanStatusCode,
  context as otelContext,
  metrics,
  trace,
  type Attributes,
  type Context,
  type Counter,
  type Histogram,
  type MeterProvider,
  type Span,
  type TracerProvider,
} from '@opentelemetry/api';
import {
  DURATION_BUCKETS_SECONDS,
  callChannel,
  callHandlers,
  eventChannel,
  type CallContext,
  type HotpathEvent,
} from '../core/channels.js';
import { errorMessage } from '../core/error-message.js';

/** Instrumentation scope name of the tracer and the meter. */
export const INSTRUMENTATION_NAME = 'hotpath';

/** Options of {@link instrumentOtel}. */
export interface OtelOptions {
  /**
   * Where spans go.
   *
   * @default trace.getTracerProvider() (the global provider)
   */
  tracerProvider?: TracerProvider;
  /**
   * Where metrics go.
   *
   * @default metrics.getMeterProvider() (the global provider)
   */
  meterProvider?: MeterProvider;
  /**
   * Create a span per call.
   *
   * @default true
   */
  spans?: boolean;
  /**
   * Record `hotpath.call.duration` and `hotpath.decorator.events`.
   *
   * @default true
   */
  metrics?: boolean;
  /**
   * Bucket boundaries of `hotpath.call.duration`, in seconds; passed as advice, so an SDK view
   * can override them.
   *
   * @default DEFAULT_DURATION_BUCKETS (100 µs to 10 s)
   */
  durationBuckets?: number[];
}

/** Default histogram boundaries in seconds: method calls are mostly sub-millisecond to seconds. */
export const DEFAULT_DURATION_BUCKETS = DURATION_BUCKETS_SECONDS;

/** A running instrumentation; `stop()` unsubscribes it. */
export interface HotpathInstrumentation {
  /** Unsubscribes from the channels. Spans of calls still in flight then are never ended (nor exported). */
  stop(): void;
}

/**
 * The `error.type` of an error, per the OpenTelemetry semantic conventions: its class name
 * (`TimeoutError`, `TypeError`), or `_OTHER` for thrown non-errors.
 */
export function errorType(error: unknown): string {
  if (error instanceof Error) return error.constructor?.name || error.name || '_OTHER';
  return '_OTHER';
}

interface Traced {
  span: Span | undefined;
  start: number;
}

/**
 * Subscribes OpenTelemetry to hotpath's channels:
 *
 * - one `INTERNAL` span per call of a decorated method, named `ClassName.method`, with
 *   `code.function.name`; a failed call gets status `ERROR`, `error.type` and the exception
 *   as a span event. Spans of nested decorated calls are children of their caller's span
 *   (even across `await`); the outermost one is a child of the context active at the call.
 * - histogram `hotpath.call.duration` (seconds) with `code.function.name` and, for failed
 *   calls, `error.type`; async calls are measured until their promise settles.
 * - counter `hotpath.decorator.events` with `hotpath.decorator`, `hotpath.event` and
 *   `code.function.name`: every event decorators publish (cache hit/miss/stale, batch
 *   dispatched, limiter queued, ...).
 *
 * Limitation: spans that other instrumentations start inside a decorated method are parented
 * to the context active when the method was called, not to hotpath's span: a diagnostics
 * channel cannot enter the OpenTelemetry context manager's own storage.
 *
 * Cost: nothing while stopped; with it running, a span and a histogram record per call.
 *
 * @example
 * import { instrumentOtel } from 'hotpath/otel';
 * const otel = instrumentOtel(); // after the OpenTelemetry SDK is started
 */
export function instrumentOtel(options: OtelOptions = {}): HotpathInstrumentation {
  const tracer =
    options.spans === false
      ? undefined
      : (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME);
  let duration: Histogram | undefined;
  let events: Counter | undefined;
  if (options.metrics !== false) {
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(
      INSTRUMENTATION_NAME,
    );
    duration = meter.createHistogram('hotpath.call.duration', {
      description: 'Duration of calls of hotpath-decorated methods, until their promise settles',
      unit: 's',
      advice: {
        explicitBucketBoundaries: options.durationBuckets ?? [...DEFAULT_DURATION_BUCKETS],
      },
    });
    events = meter.createCounter('hotpath.decorator.events', {
      description:
        'Events published by hotpath decorators (cache hits and misses, batches, limiter queueing)',
    });
  }

  const key = Symbol('hotpath.otel');
  // The span context of the decorated call in progress, so nested decorated calls find their
  // parent even after an await.
  const active = new AsyncLocalStorage<Context>();
  const traced = (c: CallContext): Traced | undefined => c[key] as Traced | undefined;

  const begin = (c: CallContext): Context => {
    const parent = active.getStore() ?? otelContext.active();
    const span = tracer?.startSpan(
      c.method,
      { kind: SpanKind.INTERNAL, attributes: { 'code.function.name': c.method } },
      parent,
    );
    c[key] = { span, start: performance.now() } satisfies Traced;
    return span ? trace.setSpan(parent, span) : parent;
  };

  const finish = (c: CallContext): void => {
    const t = traced(c);
    if (!t) return;
    c[key] = undefined;
    const failed = 'error' in c && c.error !== undefined;
    const attributes: Attributes = { 'code.function.name': c.method };
    if (failed) attributes['error.type'] = errorType(c.error);
    duration?.record((performance.now() - t.start) / 1000, attributes);
    if (t.span) {
      if (failed) {
        t.span.setAttribute('error.type', attributes['error.type']!);
        const error = c.error;
        t.span.recordException(error instanceof Error ? error : String(error));
        t.span.setStatus({
          code: SpanStatusCode.ERROR,
          message: errorMessage(error),
        });
      }
      t.span.end();
    }
  };

  const handlers = callHandlers(finish);
  const onEvent = (message: unknown): void => {
    const e = message as HotpathEvent;
    events?.add(1, {
      'hotpath.decorator': e.decorator,
      'hotpath.event': e.event,
      'code.function.name': e.method,
    });
  };

  callChannel.start.bindStore(active, begin);
  callChannel.subscribe(handlers);
  if (events) eventChannel.subscribe(onEvent);
  let running = true;
  return {
    stop() {
      if (!running) return;
      running = false;
      callChannel.start.unbindStore(active);
      callChannel.unsubscribe(handlers);
      if (events) eventChannel.unsubscribe(onEvent);
    },
  };
}
