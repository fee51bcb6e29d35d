import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  type Context,
  type ContextManager,
} from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
  type MetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { TimeoutError, use, type Middleware } from '../../src/index.js';
import { callChannel, eventChannel, publishEvent } from '../../src/extend.js';
import { errorType, instrumentOtel, type HotpathInstrumentation } from '../../src/otel/index.js';
import { turnEventLoop } from '../helpers/time.js';

const pass: Middleware = (_call, next) => next();
const announce: Middleware = (call, next) => {
  publishEvent('cached', call.args[0] === 'u1' ? 'hit' : 'miss', call.site, { tier: 'memory' });
  return next();
};

class Users {
  constructor(readonly repo: Repo) {}

  @use(announce)
  async get(id: string): Promise<string> {
    await turnEventLoop(1);
    return this.repo.load(id);
  }

  @use(pass)
  name(id: string): string {
    if (id === 'bad') throw new TypeError(`bad id ${id}`);
    return `user ${id}`;
  }
}

class Repo {
  @use(pass)
  async load(id: string): Promise<string> {
    await turnEventLoop(1);
    if (id === 'slow') throw new TimeoutError('Repo.load timed out after 5 ms', 5);
    return `row ${id}`;
  }
}

let spans: InMemorySpanExporter;
let tracerProvider: BasicTracerProvider;
let metricExporter: InMemoryMetricExporter;
let meterProvider: MeterProvider;
let otel: HotpathInstrumentation;

beforeEach(() => {
  spans = new InMemorySpanExporter();
  tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: metricExporter,
        exportIntervalMillis: 3_600_000,
      }),
    ],
  });
  otel = instrumentOtel({ tracerProvider, meterProvider });
});

afterEach(async () => {
  otel.stop();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
});

async function collected(name: string): Promise<MetricData | undefined> {
  await meterProvider.forceFlush();
  const all = metricExporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
  return all.reverse().find((m) => m.descriptor.name === name);
}

describe('hotpath/otel', () => {
  it('makes one span per call with code.function.name, nested calls as children', async () => {
    const users = new Users(new Repo());
    await expect(users.get('u1')).resolves.toBe('row u1');
    const finished = spans.getFinishedSpans();
    expect(finished.map((s) => s.name)).toEqual(['Repo.load', 'Users.get']);
    const [load, get] = finished;
    expect(get!.kind).toBe(SpanKind.INTERNAL);
    expect(get!.attributes).toEqual({ 'code.function.name': 'Users.get' });
    expect(get!.instrumentationScope.name).toBe('hotpath');
    expect(load!.spanContext().traceId).toBe(get!.spanContext().traceId);
    expect(load!.parentSpanContext?.spanId).toBe(get!.spanContext().spanId);
    expect(get!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('parents the outermost span to the span active in the OpenTelemetry context', async () => {
    // The smallest AsyncLocalStorage context manager (what @opentelemetry/context-async-hooks does).
    const storage = new AsyncLocalStorage<Context>();
    const manager: ContextManager = {
      active: () => storage.getStore() ?? ROOT_CONTEXT,
      with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.apply(thisArg, args)),
      bind: (_ctx, target) => target,
      enable: () => manager,
      disable: () => manager,
    };
    expect(context.setGlobalContextManager(manager)).toBe(true);
    try {
      const tracer = tracerProvider.getTracer('app');
      const users = new Users(new Repo());
      await tracer.startActiveSpan('GET /users/:id', async (request) => {
        await users.get('u1');
        request.end();
      });
    } finally {
      context.disable();
    }
    const byName = Object.fromEntries(spans.getFinishedSpans().map((s) => [s.name, s]));
    const request = byName['GET /users/:id']!;
    expect(byName['Users.get']!.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(byName['Repo.load']!.parentSpanContext?.spanId).toBe(
      byName['Users.get']!.spanContext().spanId,
    );
    expect(new Set(Object.values(byName).map((s) => s.spanContext().traceId)).size).toBe(1);
  });

  it('marks failed calls with status ERROR, error.type and the exception, sync and async', async () => {
    const users = new Users(new Repo());
    expect(() => users.name('bad')).toThrow('bad id bad');
    await expect(users.get('slow')).rejects.toThrow(TimeoutError);
    const byName = Object.fromEntries(spans.getFinishedSpans().map((s) => [s.name, s]));
    for (const [name, type, message] of [
      ['Users.name', 'TypeError', 'bad id bad'],
      ['Repo.load', 'TimeoutError', 'Repo.load timed out after 5 ms'],
      ['Users.get', 'TimeoutError', 'Repo.load timed out after 5 ms'],
    ] as const) {
      const span = byName[name]!;
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message });
      expect(span.attributes['error.type']).toBe(type);
      expect(span.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([
        ['exception', message],
      ]);
    }
  });

  it('records hotpath.call.duration in seconds, with error.type on failures', async () => {
    const users = new Users(new Repo());
    users.name('a');
    users.name('b');
    expect(() => users.name('bad')).toThrow();
    await users.get('u1');
    const metric = (await collected('hotpath.call.duration')) as HistogramMetricData;
    expect(metric.descriptor.unit).toBe('s');
    expect(metric.dataPointType).toBe(DataPointType.HISTOGRAM);
    const points = metric.dataPoints.map((p) => ({
      attributes: p.attributes,
      count: p.value.count,
    }));
    expect(points).toEqual(
      expect.arrayContaining([
        { attributes: { 'code.function.name': 'Users.name' }, count: 2 },
        { attributes: { 'code.function.name': 'Users.name', 'error.type': 'TypeError' }, count: 1 },
        { attributes: { 'code.function.name': 'Users.get' }, count: 1 },
        { attributes: { 'code.function.name': 'Repo.load' }, count: 1 },
      ]),
    );
    expect(points).toHaveLength(4);
    const get = metric.dataPoints.find((p) => p.attributes['code.function.name'] === 'Users.get')!;
    // Users.get awaits two turns of the event loop: more than 0, far less than a second.
    expect(get.value.sum).toBeGreaterThan(0);
    expect(get.value.sum).toBeLessThan(1);
    expect(metric.dataPoints[0]!.value.buckets.boundaries[0]).toBe(0.0001);
  });

  it('counts decorator events on hotpath.decorator.events', async () => {
    const users = new Users(new Repo());
    await users.get('u1');
    await users.get('u1');
    await users.get('u2');
    const metric = (await collected('hotpath.decorator.events')) as SumMetricData;
    const points = metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value }));
    expect(points).toEqual([
      {
        attributes: {
          'hotpath.decorator': 'cached',
          'hotpath.event': 'hit',
          'code.function.name': 'Users.get',
        },
        value: 2,
      },
      {
        attributes: {
          'hotpath.decorator': 'cached',
          'hotpath.event': 'miss',
          'code.function.name': 'Users.get',
        },
        value: 1,
      },
    ]);
  });

  it('unsubscribes on stop(), leaving the channels without subscribers', async () => {
    otel.stop();
    expect(callChannel.hasSubscribers).toBe(false);
    expect(eventChannel.hasSubscribers).toBe(false);
    await new Users(new Repo()).get('u1');
    expect(spans.getFinishedSpans()).toEqual([]);
  });

  it('leaves other subscribers of the channels alone', () => {
    const seen: unknown[] = [];
    const listener = (m: unknown): void => void seen.push(m);
    subscribe('hotpath:event', listener);
    otel.stop();
    expect(eventChannel.hasSubscribers).toBe(true);
    unsubscribe('hotpath:event', listener);
  });

  it('names error types by class, _OTHER for thrown non-errors', () => {
    expect(errorType(new TimeoutError('x', 1))).toBe('TimeoutError');
    expect(errorType(new RangeError('x'))).toBe('RangeError');
    expect(errorType('oops')).toBe('_OTHER');
  });
});
