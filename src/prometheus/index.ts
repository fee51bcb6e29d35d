/**
 * `hotpath/prometheus`: prom-client histograms of call durations and counters of decorator
 * events for hotpath-decorated methods. Needs `prom-client` (optional peer dependency).
 */
export {
  DEFAULT_BUCKETS,
  instrumentPrometheus,
  type PrometheusInstrumentation,
  type PrometheusOptions,
} from './prometheus.js';
