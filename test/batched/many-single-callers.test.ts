/**
 * Hotpath's own rejections of many single-item callers who fire and forget (`cancel()`, a
 * shutdown past its timeout) never become unhandled rejections, however many callers a batch
 * holds, in a real process under `--unhandled-rejections=strict`
 * (fixtures/many-single-callers.ts).
 */
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { runFixture } from '../helpers/child-fixture.js';

const FIXTURE = path.join(__dirname, 'fixtures', 'many-single-callers.ts');

describe('@batched with many single-item callers', () => {
  it('cancels and gives up 2 500 forgotten callers without an unhandled rejection', async () => {
    const run = await runFixture(FIXTURE, [], {
      node: ['--unhandled-rejections=strict'],
      timeoutMs: 30_000,
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      cancel: { unhandled: [], cancelled: 2_500 },
      shutdown: {
        unhandled: [],
        abandoned: ['1 batch of 2500 items not finished (2500 callers rejected)'],
        // Hotpath's own rejections are silenced, not reported as unobserved failures.
        errors: 0,
      },
    });
    expect(run.code).toBe(0);
  }, 60_000);
});
