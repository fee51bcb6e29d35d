/**
 * core/per-site-copy.ts: every decorated method runs a wrapper (and a `@cached` shortcut) of its
 * own, compiled from the factory's source; where a copy cannot be made or run, the factory
 * itself runs and nothing else changes.
 */
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { cached, use } from '../../src/index.js';
import { perSiteCopy } from '../../src/core/per-site-copy.js';
import type { SiteInfo } from '../../src/core/site.js';
import { runFixture } from '../helpers/child-fixture.js';

const COPY_FRAME = 'hotpath-per-site-copy-';
/** A class member's site, as far as perSiteCopy looks. */
const METHOD = { kind: 'method' } as SiteInfo;
const CHILD = path.join(__dirname, 'fixtures', 'per-site-copy-child.ts');

const stackOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).stack ?? '';
  }
  throw new Error('expected a throw');
};

describe('perSiteCopy', () => {
  it('runs the factory through a copy compiled from its source', () => {
    const made = perSiteCopy(
      METHOD,
      (a: number, b: number) => ({ sum: a + b, stack: new Error().stack }),
      2,
      3,
    );
    expect(made.sum).toBe(5);
    expect(made.stack).toContain(COPY_FRAME);
  });

  it('makes every copy anew, so two sites never share one', () => {
    const factory = (): (() => string) => () => new Error().stack ?? '';
    const first = perSiteCopy(METHOD, factory)();
    const second = perSiteCopy(METHOD, factory)();
    const copyName = (stack: string) => /hotpath-per-site-copy-\d+/.exec(stack)?.[0];
    expect(copyName(first)).toBeDefined();
    expect(copyName(second)).toBeDefined();
    expect(copyName(first)).not.toBe(copyName(second));
  });

  it('compiles the copy in strict mode (`this` stays undefined)', () => {
    const receiverOf = perSiteCopy(
      METHOD,
      () =>
        function (this: unknown): unknown {
          return this;
        },
    );
    expect(receiverOf.call(undefined)).toBeUndefined();
  });

  it('runs the factory itself when a copy cannot see a name it uses', () => {
    const outside = 40;
    const made = perSiteCopy(METHOD, () => ({
      value: outside + 2,
      stack: new Error().stack ?? '',
    }));
    expect(made.value).toBe(42);
    expect(made.stack).not.toContain(COPY_FRAME);
  });

  it('runs the factory itself for the functional form (wrappers may be made per request)', () => {
    const made = perSiteCopy({ kind: 'function' } as SiteInfo, () => new Error().stack ?? '');
    expect(made).not.toContain(COPY_FRAME);
    const wrapped = cached()((id: number): number => {
      throw new Error(`no ${id}`);
    });
    expect(stackOf(() => wrapped(1))).not.toContain(COPY_FRAME);
  });

  it('gives each decorated method its own wrapper copy', () => {
    class Service {
      @cached() read(id: number): number {
        if (id < 0) throw new Error('negative');
        return id;
      }
      @use((_call, next) => next()) write(id: number): number {
        throw new Error(`refused ${id}`);
      }
    }
    const service = new Service();
    expect(service.read(1)).toBe(1);
    const readFrame = /\((hotpath-per-site-copy-\d+)-memberWrapper\.js/.exec(
      stackOf(() => service.read(-1)),
    );
    const writeFrame = /\((hotpath-per-site-copy-\d+)-memberWrapper\.js/.exec(
      stackOf(() => service.write(1)),
    );
    expect(readFrame).not.toBeNull();
    expect(writeFrame).not.toBeNull();
    expect(readFrame![1]).not.toBe(writeFrame![1]);
  });

  it.each([
    ['a process that allows it', [], true],
    [
      'node --disallow-code-generation-from-strings',
      ['--disallow-code-generation-from-strings'],
      false,
    ],
  ])('decorated methods answer the same in %s', async (_, node, copied) => {
    const run = await runFixture(CHILD, [], { node });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      copied,
      answers: ['user 1', 'user 1', 'user 2', 'user 1'],
      computed: 2,
    });
  });
});
