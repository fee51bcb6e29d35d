/**
 * `@profile({ memory: true })`: the heap growth of each timed call, as a histogram in bytes
 * in `stats()` and `report()`. The methods allocate one large array (allocated straight in
 * V8's large-object space, so no young-generation collection runs during the call).
 */
import { describe, expect, it } from '@jest/globals';
import { bindHotpath, control, createHotpath, profile } from '../../src/index.js';
import { LEGACY } from '../helpers/mode.js';

/** 250 000 small integers: a 2 000 000-byte backing store plus its header. */
const ELEMENTS = 250_000;
const ARRAY_BYTES = ELEMENTS * 8;

class Importer {
  @profile({ memory: true })
  parse(): number[] {
    return new Array<number>(ELEMENTS).fill(1);
  }

  @profile({ memory: true })
  async load(): Promise<number[]> {
    await Promise.resolve();
    return new Array<number>(ELEMENTS).fill(1);
  }

  @profile({ memory: true })
  noop(): number {
    return 1;
  }

  @profile()
  plain(): number {
    return 1;
  }

  @profile({ memory: true })
  fail(): never {
    void new Array<number>(ELEMENTS).fill(1);
    throw new Error('bad input');
  }
}

type Memory = {
  count: number;
  collected: number;
  meanBytes: number | null;
  p50Bytes: number | null;
  p90Bytes: number | null;
  p99Bytes: number | null;
  maxBytes: number | null;
};
const memoryOf = (importer: Importer, method: keyof Importer): Memory | undefined =>
  (control(importer, method).stats() as { profile: { memory?: Memory } }).profile.memory;

describe('@profile({ memory: true })', () => {
  it('records how much the heap grew during each sync call, in bytes', () => {
    const importer = bindHotpath(new Importer(), createHotpath());
    for (let i = 0; i < 3; i++) importer.parse();
    const memory = memoryOf(importer, 'parse')!;
    expect(memory.count).toBe(3);
    // A percentile is within 1.6 % of the exact value; the array's header adds a few bytes.
    expect(memory.p50Bytes).toBeGreaterThanOrEqual(ARRAY_BYTES * 0.98);
    expect(memory.p50Bytes).toBeLessThanOrEqual(ARRAY_BYTES * 1.02 + 4096);
    expect(memory.maxBytes).toBeLessThanOrEqual(ARRAY_BYTES * 1.02 + 4096);
  });

  it('records promise-returning calls when they settle, and failed calls', async () => {
    const importer = bindHotpath(new Importer(), createHotpath());
    await importer.load();
    expect(() => importer.fail()).toThrow('bad input');
    const load = memoryOf(importer, 'load')!;
    expect(load.count).toBe(1);
    expect(load.p50Bytes).toBeGreaterThanOrEqual(ARRAY_BYTES * 0.98);
    const fail = memoryOf(importer, 'fail')!;
    expect(fail.count).toBe(1);
    expect(fail.p50Bytes).toBeGreaterThanOrEqual(ARRAY_BYTES * 0.98);
    expect(
      (control(importer, 'fail').stats() as { profile: { errors: number } }).profile.errors,
    ).toBe(1);
  });

  it('subtracts what the heap readings themselves allocate', () => {
    const importer = bindHotpath(new Importer(), createHotpath());
    for (let i = 0; i < 20; i++) importer.noop();
    // A call that allocates nothing shows next to nothing (not the readings' ~1 KB).
    expect(memoryOf(importer, 'noop')!.p50Bytes).toBeLessThan(256);
  });

  it('shows empty figures before a call, and nothing without the option', () => {
    const importer = bindHotpath(new Importer(), createHotpath());
    expect(memoryOf(importer, 'noop')).toEqual({
      count: 0,
      collected: 0,
      meanBytes: null,
      p50Bytes: null,
      p90Bytes: null,
      p99Bytes: null,
      maxBytes: null,
    });
    importer.plain();
    expect(memoryOf(importer, 'plain')).toBeUndefined();
  });

  it('shows the histogram in stats() and report() with sizes', () => {
    const registry = createHotpath({ name: 'imports' });
    const importer = bindHotpath(new Importer(), registry);
    importer.parse();
    const stats = registry.stats() as unknown as {
      methods: Record<string, { profile: { memory: Memory } }>;
    };
    expect(stats.methods['Importer.parse']!.profile.memory.count).toBe(1);
    const report = registry.report();
    expect(report).toContain('memory.p50');
    // 2 000 000 bytes are 1.9 MB in the report's binary units.
    expect(report).toMatch(/memory\.max\n.* 1\.9 MB$/);
  });

  it('rejects a non-boolean memory option at decoration time', () => {
    const where = LEGACY ? 'Svc.m' : 'm';
    expect(() => {
      class Svc {
        @profile({ memory: 'yes' as never })
        m(): void {}
      }
      void Svc;
    }).toThrow(new TypeError(`@profile on ${where}: \`memory\` must be a boolean, got 'yes'`));
  });
});
