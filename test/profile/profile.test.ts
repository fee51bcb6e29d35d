import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  bindHotpath,
  control,
  createHotpath,
  profile,
  type Hotpath,
  type SlowCallEvent,
} from '../../src/index.js';
import { LEGACY } from '../helpers/mode.js';
import { sleepMs } from '../helpers/time.js';

/** Makes the current (fake) time move by `ms`: inside a method, the call "takes" that long. */
const spend = (ms: number): void => void jest.advanceTimersByTime(ms);

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

class Reports {
  @profile()
  render(ms: number, fail = false): string {
    spend(ms);
    if (fail) throw new Error(`render failed after ${ms} ms`);
    return `rendered in ${ms} ms`;
  }

  @profile()
  async fetch(ms: number, fail = false): Promise<string> {
    await sleepMs(ms);
    if (fail) throw new Error('fetch failed');
    return `fetched in ${ms} ms`;
  }
}

function bound<T extends object>(instance: T): { instance: T; registry: Hotpath } {
  const registry = createHotpath({ name: 'test' });
  return { instance: bindHotpath(instance, registry), registry };
}

describe('@profile', () => {
  it('counts calls and errors of a sync method and passes results and errors through', () => {
    const { instance, registry } = bound(new Reports());
    expect(instance.render(3)).toBe('rendered in 3 ms');
    expect(instance.render(5)).toBe('rendered in 5 ms');
    expect(() => instance.render(7, true)).toThrow('render failed after 7 ms');
    expect(registry.stats().methods['Reports.render']!.profile).toEqual({
      calls: 3,
      count: 3,
      errors: 1,
      slow: 0,
      meanMs: 5,
      minMs: 3,
      // Percentiles are the middle of a log-linear bucket: within 1/64 of the exact value.
      p50Ms: expect.closeTo(5, 1),
      p90Ms: 7,
      p95Ms: 7,
      p99Ms: 7,
      maxMs: 7,
    });
  });

  it('times async calls until their promise settles, and returns the same promise', async () => {
    const { instance, registry } = bound(new Reports());
    const ok = instance.fetch(30);
    const failed = instance.fetch(50, true);
    // Nothing is recorded before the promises settle.
    expect(registry.stats().methods['Reports.fetch']!.profile).toMatchObject({
      calls: 2,
      count: 0,
    });
    const rejection = expect(failed).rejects.toThrow('fetch failed');
    await jest.advanceTimersByTimeAsync(50);
    await expect(ok).resolves.toBe('fetched in 30 ms');
    await rejection;
    expect(registry.stats().methods['Reports.fetch']!.profile).toMatchObject({
      calls: 2,
      count: 2,
      errors: 1,
      minMs: 30,
      maxMs: 50,
      meanMs: 40,
    });
  });

  it('records calls of one argument or none (answered without a Call) like any other', async () => {
    class Single {
      @profile()
      throws(ms: number): never {
        spend(ms);
        throw new Error(`failed after ${ms} ms`);
      }
      @profile()
      async rejects(ms: number): Promise<never> {
        await sleepMs(ms);
        throw new Error('rejected');
      }
      @profile()
      answer(): number {
        spend(4);
        return 42;
      }
    }
    const { instance, registry } = bound(new Single());
    expect(() => instance.throws(6)).toThrow('failed after 6 ms');
    const rejected = instance.rejects(8);
    await jest.advanceTimersByTimeAsync(8);
    await expect(rejected).rejects.toThrow('rejected');
    expect(instance.answer()).toBe(42);
    const { methods } = registry.stats();
    expect(methods['Single.throws']!.profile).toMatchObject({ calls: 1, errors: 1, meanMs: 6 });
    expect(methods['Single.rejects']!.profile).toMatchObject({ calls: 1, errors: 1, meanMs: 8 });
    expect(methods['Single.answer']!.profile).toMatchObject({ calls: 1, errors: 0, meanMs: 4 });
  });

  it('keeps percentiles in order and within 1.6 % of the exact values', () => {
    const { instance, registry } = bound(new Reports());
    // 1..200 ms in a shuffled order: exact p50 = 100, p90 = 180, p95 = 190, p99 = 198.
    const durations = Array.from({ length: 200 }, (_, i) => ((i * 73) % 200) + 1);
    for (const ms of durations) instance.render(ms);
    const p = registry.stats().methods['Reports.render']!.profile as Record<string, number>;
    expect(p.count).toBe(200);
    expect(p.minMs).toBe(1);
    expect(p.maxMs).toBe(200);
    expect(p.meanMs).toBe(100.5);
    const exact = { p50Ms: 100, p90Ms: 180, p95Ms: 190, p99Ms: 198 };
    for (const [key, value] of Object.entries(exact)) {
      expect(Math.abs(p[key]! - value) / value).toBeLessThanOrEqual(1 / 64);
    }
    const order = [p.minMs, p.p50Ms, p.p90Ms, p.p95Ms, p.p99Ms, p.maxMs];
    expect([...order].sort((a, b) => a! - b!)).toEqual(order);
  });

  it('times only a sampled fraction of the calls but counts them all', () => {
    class Sampled {
      @profile({ sampleRate: 0.25 })
      run(ms: number): number {
        spend(ms);
        return ms;
      }

      @profile({ sampleRate: 0 })
      never(): number {
        return 1;
      }
    }
    const { instance, registry } = bound(new Sampled());
    const draws = [0.1, 0.3, 0.5, 0.24, 0.9, 0.25, 0.7, 0.01];
    let i = 0;
    jest.spyOn(Math, 'random').mockImplementation(() => draws[i++ % draws.length]!);
    for (let n = 1; n <= 8; n++) expect(instance.run(n)).toBe(n);
    instance.never();
    instance.never();
    const stats = registry.stats().methods;
    // Draws below 0.25 are sampled: calls 1 (0.1), 4 (0.24) and 8 (0.01).
    expect(stats['Sampled.run']!.profile).toMatchObject({ calls: 8, count: 3, minMs: 1, maxMs: 8 });
    expect(stats['Sampled.never']!.profile).toMatchObject({
      calls: 2,
      count: 0,
      meanMs: null,
      p99Ms: null,
    });
  });

  it('reports calls slower than slowThreshold on the slow event, under its name', async () => {
    class Slowish {
      @profile({ name: 'reports.render', slowThreshold: '20ms' })
      render(ms: number, fail = false): void {
        spend(ms);
        if (fail) throw new Error('no');
      }

      @profile({ slowThreshold: 20 })
      async load(ms: number): Promise<void> {
        await sleepMs(ms);
      }
    }
    const { instance, registry } = bound(new Slowish());
    const slow: SlowCallEvent[] = [];
    registry.on('slow', (e) => slow.push(e));
    instance.render(10);
    instance.render(20);
    instance.render(30);
    expect(() => instance.render(40, true)).toThrow('no');
    const loading = instance.load(25);
    await jest.advanceTimersByTimeAsync(25);
    await loading;
    expect(slow).toEqual([
      { method: 'reports.render', durationMs: 30, thresholdMs: 20, error: false },
      { method: 'reports.render', durationMs: 40, thresholdMs: 20, error: true },
      { method: 'Slowish.load', durationMs: 25, thresholdMs: 20, error: false },
    ]);
    expect(registry.stats().methods['reports.render']!.profile).toMatchObject({
      count: 4,
      slow: 2,
      errors: 1,
    });
  });

  it('aggregates every instance of a class in one registry and keeps registries apart', () => {
    const registryA = createHotpath({ name: 'a' });
    const registryB = createHotpath({ name: 'b' });
    const first = bindHotpath(new Reports(), registryA);
    const second = bindHotpath(new Reports(), registryA);
    const other = bindHotpath(new Reports(), registryB);
    first.render(1);
    second.render(3);
    other.render(100);
    expect(registryA.stats().methods['Reports.render']!.profile).toMatchObject({
      count: 2,
      meanMs: 2,
    });
    expect(registryB.stats().methods['Reports.render']!.profile).toMatchObject({
      count: 1,
      meanMs: 100,
    });
    expect(control(first, 'render').stats()).toEqual(control(second, 'render').stats());
    expect(control(other, 'render').stats().profile).toMatchObject({ count: 1, maxMs: 100 });
  });

  it('serializes stats() as JSON without loss', () => {
    const { instance, registry } = bound(new Reports());
    instance.render(2);
    instance.render(4);
    const stats = registry.stats();
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
    expect(stats).toEqual({
      registry: 'test',
      methods: { 'Reports.render': { profile: expect.objectContaining({ count: 2, meanMs: 3 }) } },
    });
  });

  it('prints an aligned table with units in report()', () => {
    const { instance, registry } = bound(new Reports());
    for (const ms of [1, 2, 3, 4, 1200]) instance.render(ms);
    expect(() => instance.render(0.25, true)).toThrow();
    // p50 is 2 ms and p90 1.2 s up to the histogram's bucket resolution (1/64).
    expect(registry.report()).toBe(
      [
        "hotpath report — registry 'test'",
        '',
        '@profile',
        'method          calls  count  errors  slow      mean       min      p50     p90     p95     p99     max',
        'Reports.render      6      6       1     0  201.7 ms  250.0 µs  2.02 ms  1.19 s  1.19 s  1.19 s  1.20 s',
      ].join('\n'),
    );
  });

  it('works on plain functions', () => {
    const registry = createHotpath({ name: 'fn' });
    const parse = bindHotpath(
      profile()(function parse(text: string): number {
        spend(text.length);
        return text.length;
      }),
      registry,
    );
    expect(parse('abc')).toBe(3);
    expect(control(parse).stats().profile).toMatchObject({ calls: 1, count: 1, meanMs: 3 });
    expect(Object.keys(registry.stats().methods)).toEqual(['parse']);
  });

  it('rejects bad options at decoration time, naming the option', () => {
    const where = LEGACY ? 'Bad.run' : 'run';
    expect(() => {
      class Bad {
        @profile({ sampleRate: 2 })
        run(): void {}
      }
      return Bad;
    }).toThrow(`@profile on ${where}: \`sampleRate\` must be a number from 0 to 1, got 2`);
    expect(() => {
      class Bad {
        @profile({ slowThreshold: '-5ms' })
        run(): void {}
      }
      return Bad;
    }).toThrow(
      `@profile on ${where}: \`slowThreshold\` must be a duration (milliseconds or a string like '5m'), got '-5ms'`,
    );
    expect(() => {
      class Bad {
        @profile({ name: '' })
        run(): void {}
      }
      return Bad;
    }).toThrow(`@profile on ${where}: \`name\` must be a non-empty string, got ''`);
  });
});
