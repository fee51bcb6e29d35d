/**
 * Prometheus for hotpath: `hotpath_call_duration_seconds` histograms from the `hotpath:call`
 * tracing channel and `hotpath_decorator_events_total` counters from `hotpath:event`, on a
 * prom-client registry. Needs `prom-client` (an optional peer dependency, loaded only by this
 * subpath).
 */
import { Counter, Histogram, register as defaultRegister, type Registry } from 'prom-client';
import {
  callChannel,
  DURATION_BUCKETS_SECONDS,
  callHandlers,
  eventChannel,
  type CallContext,
  type HotpathEvent,
} from '../core/channels.js';

/** Options of {@link instrumentPrometheus}. */
export interface PrometheusOptions {
  /**
   * The prom-client registry to register the metrics on.
   *
   * @default register (prom-client's global registry)
   */
  registry?: Registry;
  /**
   * Metric name prefix.
   *
   * @default 'hotpath_'
   */
  prefix?: string;
  /**
   * Histogram buckets in seconds.
   *
   * @default DEFAULT_BUCKETS (100 µs to 10 s)
   */
  buckets?: number[];
}

/** Default buckets in seconds: method calls are mostly sub-millisecond to seconds. */
export const DEFAULT_BUCKETS = DURATION_BUCKETS_SECONDS;

/** A running instrumentation; `stop()` unsubscribes it and removes its metrics from the registry. */
export interface PrometheusInstrumentation {
  /** The call-duration histogram (labels `method`, `outcome`). */
  readonly duration: Histogram<'method' | 'outcome'>;
  /** The decorator-event counter (labels `decorator`, `event`, `method`). */
  readonly events: Counter<'decorator' | 'event' | 'method'>;
  /** Unsubscribes and removes both metrics from the registry. */
  stop(): void;
}

/**
 * Registers two metrics on a prom-client registry and feeds them from hotpath's channels:
 *
 * - `hotpath_call_duration_seconds{method, outcome}` (histogram): every call of a decorated
 *   method, async calls until their promise settles; `method` is `ClassName.method`, `outcome`
 *   is `ok` or `error`;
 * - `hotpath_decorator_events_total{decorator, event, method}` (counter): every event the
 *   decorators publish (`cached` hit/miss/stale, `batched` dispatch, `rateLimit` queued, ...).
 *
 * Serve them as usual (`await registry.metrics()`). Cost: nothing while stopped; with it
 * running, one histogram observation per call.
 *
 * @example
 * import { instrumentPrometheus } from 'hotpath/prometheus';
 * instrumentPrometheus(); // on prom-client's default registry
 */
export function instrumentPrometheus(options: PrometheusOptions = {}): PrometheusInstrumentation {
  const registry = options.registry ?? defaultRegister;
  const prefix = options.prefix ?? 'hotpath_';
  const durationName = `${prefix}call_duration_seconds`;
  const eventsName = `${prefix}decorator_events_total`;
  const duration = new Histogram({
    name: durationName,
    help: 'Duration of calls of hotpath-decorated methods, until their promise settles',
    labelNames: ['method', 'outcome'] as const,
    buckets: options.buckets ?? [...DEFAULT_BUCKETS],
    registers: [registry],
  });
  const events = new Counter({
    name: eventsName,
    help: 'Events published by hotpath decorators (cache hits and misses, batches, limiter queueing)',
    labelNames: ['decorator', 'event', 'method'] as const,
    registers: [registry],
  });

  const started = Symbol('hotpath.prometheus');
  const finish = (c: CallContext): void => {
    const start = c[started] as number | undefined;
    if (start === undefined) return;
    const outcome = c.error === undefined ? 'ok' : 'error';
    duration.observe({ method: c.method, outcome }, (performance.now() - start) / 1000);
  };
  const handlers = callHandlers(finish, (c) => {
    c[started] = performance.now();
  });
  const onEvent = (message: unknown): void => {
    const e = message as HotpathEvent;
    events.inc({ decorator: e.decorator, event: e.event, method: e.method });
  };
  callChannel.subscribe(handlers);
  eventChannel.subscribe(onEvent);

  let running = true;
  return {
    duration,
    events,
    stop() {
      if (!running) return;
      running = false;
      callChannel.unsubscribe(handlers);
      eventChannel.unsubscribe(onEvent);
      registry.removeSingleMetric(durationName);
      registry.removeSingleMetric(eventsName);
    },
  };
}
