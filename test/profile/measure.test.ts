/**
 * `registry.measure(name, fn, options?)`: a block that is not a method, recorded like
 * `@profile` under `name` (sync and async blocks, failures, slow runs, memory).
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createHotpath, profile, bindHotpath, type SlowCallEvent } from '../../src/index.js';
import { sleepMs } from '../helpers/time.js';

/** Makes the current (fake) time move by `ms`: inside a block, the run "takes" that long. */
const spend = (ms: number): void => void jest.advanceTimersByTime(ms);

type Figures = {
  calls: number;
  count: number;
  errors: number;
  slow: number;
  minMs: number | null;
  maxMs: number | null;
  memory?: { count: number; p50Bytes: number | null };
};
const figuresOf = (registry: ReturnType<typeof createHotpath>, name: string): Figures =>
  (registry.stats().methods[name] as { profile: Figures }).profile;

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('registry.measure()', () => {
  it('times a sync block, returns its result and passes its error through', () => {
    const registry = createHotpath({ name: 'measure-sync' });
    expect(registry.measure('parse-config', () => (spend(12), 'parsed'))).toBe('parsed');
    expect(() =>
      registry.measure('parse-config', () => {
        spend(3);
        throw new Error('bad config');
      }),
    ).toThrow('bad config');
    expect(figuresOf(registry, 'parse-config')).toMatchObject({
      calls: 2,
      count: 2,
      errors: 1,
      slow: 0,
      minMs: 3,
      maxMs: 12,
    });
  });

  it('times an async block until it settles and returns the same promise', async () => {
    const registry = createHotpath({ name: 'measure-async' });
    const work = Promise.resolve().then(() => sleepMs(40));
    const run = (): Promise<void> => work;
    const returned = registry.measure('import-users', run);
    expect(returned).toBe(work);
    await jest.advanceTimersByTimeAsync(40);
    await returned;
    const failed = registry.measure('import-users', async () => {
      await sleepMs(5);
      throw new Error('import failed');
    });
    const rejection = expect(failed).rejects.toThrow('import failed');
    await jest.advanceTimersByTimeAsync(5);
    await rejection;
    const figures = figuresOf(registry, 'import-users');
    expect(figures).toMatchObject({ calls: 2, count: 2, errors: 1 });
    expect(figures.maxMs).toBeGreaterThanOrEqual(39.3);
    expect(figures.minMs).toBeGreaterThanOrEqual(4.9);
  });

  it('reports runs slower than slowThreshold on the slow event', () => {
    const registry = createHotpath({ name: 'measure-slow' });
    const events: SlowCallEvent[] = [];
    registry.on('slow', (e) => events.push(e));
    registry.measure('nightly-report', () => spend(80), { slowThreshold: '50ms' });
    registry.measure('nightly-report', () => spend(20), { slowThreshold: '50ms' });
    expect(events).toEqual([
      { method: 'nightly-report', durationMs: 80, thresholdMs: 50, error: false },
    ]);
    expect(figuresOf(registry, 'nightly-report').slow).toBe(1);
  });

  it('records heap growth with memory: true', () => {
    jest.useRealTimers();
    const registry = createHotpath({ name: 'measure-memory' });
    registry.measure('build-index', () => new Array<number>(250_000).fill(1), { memory: true });
    const memory = figuresOf(registry, 'build-index').memory!;
    expect(memory.count).toBe(1);
    expect(memory.p50Bytes).toBeGreaterThanOrEqual(2_000_000 * 0.98);
  });

  it('shares the figures of a @profile method with the same name', () => {
    const registry = createHotpath({ name: 'measure-shared' });
    class Importer {
      @profile({ name: 'import' })
      run(): number {
        return 1;
      }
    }
    bindHotpath(new Importer(), registry).run();
    registry.measure('import', () => 2);
    expect(figuresOf(registry, 'import')).toMatchObject({ calls: 2, count: 2 });
  });

  it('refuses bad arguments in the house form before running anything', () => {
    const registry = createHotpath({ name: 'measure-args' });
    let ran = false;
    const fn = (): void => void (ran = true);
    expect(() => registry.measure('', fn)).toThrow(
      new TypeError("registry.measure(): `name` must be a non-empty string, got ''"),
    );
    expect(() => registry.measure('x', 'f' as never)).toThrow(
      new TypeError("registry.measure(): `fn` must be a function, got 'f'"),
    );
    expect(() => registry.measure('x', fn, { slowThreshhold: 5 } as never)).toThrow(
      new TypeError(
        'registry.measure(): unknown option `slowThreshhold` (did you mean `slowThreshold`?)',
      ),
    );
    expect(() => registry.measure('x', fn, { memory: 1 } as never)).toThrow(
      new TypeError('registry.measure(): `memory` must be a boolean, got 1'),
    );
    expect(ran).toBe(false);
  });
});
