/**
 * `hotpath/otel`: OpenTelemetry spans, duration histograms and decorator-event counters for
 * hotpath-decorated methods. Needs `@opentelemetry/api` (optional peer dependency).
 */
export {
  DEFAULT_DURATION_BUCKETS,
  INSTRUMENTATION_NAME,
  errorType,
  instrumentOtel,
  type HotpathInstrumentation,
  type OtelOptions,
} from './otel.js';
