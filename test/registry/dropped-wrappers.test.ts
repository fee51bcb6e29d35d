/**
 * Functions wrapped per request (`cached()(fn)`, `rateLimit(...)(fn)`, ...) are collected once
 * dropped: the registry holds their figures, invalidators and shutdown hooks for their life
 * only. One with pending work stays until `shutdown()` flushed it. Measured in a real process
 * with `--expose-gc` (test/registry/fixtures/dropped-wrappers.ts).
 */
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { runFixture } from '../helpers/child-fixture.js';

const FIXTURE = path.join(__dirname, 'fixtures', 'dropped-wrappers.ts');

/** Per dropped wrapper. Before: 162 KB for `cached()`, 2.5 to 6 KB for the others. */
const MAX_RETAINED_BYTES = 1024;

describe('functions wrapped per request', () => {
  it('leave less than 1 KB each behind once dropped (2 000 wrappers per decorator)', async () => {
    const run = await runFixture(FIXTURE, ['retained'], {
      node: ['--expose-gc'],
      timeoutMs: 120_000,
    });
    const retained = Object.fromEntries(
      run.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as [string, number]),
    );
    const over = Object.entries(retained).filter(([, bytes]) => bytes >= MAX_RETAINED_BYTES);
    expect(over).toEqual([]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(Object.keys(retained)).toEqual([
      'cached',
      'cached (async)',
      'cached (store)',
      'rateLimit',
      'debounce',
      'throttle',
      'batched',
      'profile',
      'retry',
      'timeout',
      'lazy',
    ]);
  }, 150_000);

  it('still referenced keep their figures and invalidation through garbage collection', async () => {
    const run = await runFixture(FIXTURE, ['live'], { node: ['--expose-gc'] });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toEqual({ hits: 1, misses: 1, afterInvalidate: 'a2' });
  }, 60_000);

  it('with pending work are flushed by shutdown() after being dropped and garbage collected', async () => {
    const run = await runFixture(FIXTURE, ['pending'], { node: ['--expose-gc'] });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const { before, after } = JSON.parse(run.stdout) as {
      before: { ran: string[]; settled: Record<string, string>; writes: number };
      after: { ran: string[]; settled: Record<string, string>; writes: number };
    };
    // Before shutdown: only the calls that run at once did.
    expect(before).toEqual({
      ran: ['throttle a', 'rateLimit a'],
      settled: {
        'throttle leading': 'fulfilled',
        'rateLimit first': 'fulfilled',
        cached: 'fulfilled',
      },
      writes: 0,
    });
    expect([...after.ran].sort()).toEqual([
      'batched a',
      'debounce a',
      'rateLimit a',
      'throttle a',
      'throttle b',
    ]);
    expect(after.settled).toEqual({
      'throttle leading': 'fulfilled',
      'rateLimit first': 'fulfilled',
      cached: 'fulfilled',
      debounce: 'fulfilled',
      throttle: 'fulfilled',
      batched: 'fulfilled',
      // Woken by shutdown, the retry gives up with the failure it had.
      retry: 'rejected attempt 1 failed',
      rateLimit: 'rejected E_SHUTDOWN',
    });
    // The shared-tier write, still waiting when shutdown started, was waited for.
    expect(after.writes).toBe(1);
  }, 60_000);
});
