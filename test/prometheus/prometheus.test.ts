import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { use, type Middleware } from '../../src/index.js';
import { callChannel, eventChannel, publishEvent } from '../../src/extend.js';
import {
  instrumentPrometheus,
  type PrometheusInstrumentation,
} from '../../src/prometheus/index.js';
import { turnEventLoop } from '../helpers/time.js';

const announce: Middleware = (call, next) => {
  publishEvent('cached', call.args[0] === 'hot' ? 'hit' : 'miss', call.site);
  return next();
};

class Catalog {
  @use(announce)
  async find(sku: string): Promise<string> {
    await turnEventLoop(1);
    if (sku === 'gone') throw new Error(`no ${sku}`);
    return `item ${sku}`;
  }

  @use((_call, next) => next())
  price(sku: string): number {
    return sku.length * 100;
  }
}

let registry: Registry;
let prom: PrometheusInstrumentation;

beforeEach(() => {
  registry = new Registry();
  prom = instrumentPrometheus({ registry, buckets: [0.5, 60] });
});

afterEach(() => {
  prom.stop();
});

/** The metrics text without the HELP lines, which say nothing a test could check. */
async function text(): Promise<string[]> {
  return (await registry.metrics())
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('# HELP'));
}

describe('hotpath/prometheus', () => {
  it('exposes call durations per method and outcome, and decorator events, in the text format', async () => {
    const catalog = new Catalog();
    catalog.price('abc');
    catalog.price('de');
    await catalog.find('hot');
    await catalog.find('cold');
    await expect(catalog.find('gone')).rejects.toThrow('no gone');
    const lines = await text();
    // Every call here takes far less than 0.5 s: each lands in the first bucket.
    expect(lines.filter((l) => !l.startsWith('hotpath_call_duration_seconds_sum'))).toEqual([
      '# TYPE hotpath_call_duration_seconds histogram',
      'hotpath_call_duration_seconds_bucket{le="0.5",method="Catalog.price",outcome="ok"} 2',
      'hotpath_call_duration_seconds_bucket{le="60",method="Catalog.price",outcome="ok"} 2',
      'hotpath_call_duration_seconds_bucket{le="+Inf",method="Catalog.price",outcome="ok"} 2',
      'hotpath_call_duration_seconds_count{method="Catalog.price",outcome="ok"} 2',
      'hotpath_call_duration_seconds_bucket{le="0.5",method="Catalog.find",outcome="ok"} 2',
      'hotpath_call_duration_seconds_bucket{le="60",method="Catalog.find",outcome="ok"} 2',
      'hotpath_call_duration_seconds_bucket{le="+Inf",method="Catalog.find",outcome="ok"} 2',
      'hotpath_call_duration_seconds_count{method="Catalog.find",outcome="ok"} 2',
      'hotpath_call_duration_seconds_bucket{le="0.5",method="Catalog.find",outcome="error"} 1',
      'hotpath_call_duration_seconds_bucket{le="60",method="Catalog.find",outcome="error"} 1',
      'hotpath_call_duration_seconds_bucket{le="+Inf",method="Catalog.find",outcome="error"} 1',
      'hotpath_call_duration_seconds_count{method="Catalog.find",outcome="error"} 1',
      '# TYPE hotpath_decorator_events_total counter',
      'hotpath_decorator_events_total{decorator="cached",event="hit",method="Catalog.find"} 1',
      'hotpath_decorator_events_total{decorator="cached",event="miss",method="Catalog.find"} 2',
    ]);
    const sums = lines.filter((l) => l.startsWith('hotpath_call_duration_seconds_sum'));
    expect(sums).toHaveLength(3);
    for (const line of sums) {
      const seconds = Number(line.split(' ')[1]);
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThan(0.5);
    }
  });

  it('takes a prefix and removes its metrics and subscriptions on stop()', async () => {
    prom.stop();
    expect(callChannel.hasSubscribers).toBe(false);
    expect(eventChannel.hasSubscribers).toBe(false);
    expect(await registry.metrics()).toBe('\n');
    prom = instrumentPrometheus({ registry, prefix: 'shop_' });
    new Catalog().price('a');
    const lines = await text();
    expect(lines).toContain('# TYPE shop_call_duration_seconds histogram');
    expect(lines).toContain(
      'shop_call_duration_seconds_bucket{le="10",method="Catalog.price",outcome="ok"} 1',
    );
    expect(lines).toContain(
      'shop_call_duration_seconds_count{method="Catalog.price",outcome="ok"} 1',
    );
  });
});
