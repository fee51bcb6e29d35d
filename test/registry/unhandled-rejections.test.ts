/**
 * No unhandled rejection of hotpath's own, ever: every decorator × (awaited,
 * fire-and-forget) × (a shutdown while the call is pending, `control().cancel()`, the method
 * failing, a call made after the shutdown), in a real process under
 * `--unhandled-rejections=strict` (fixtures/rejection-matrix.ts runs the rows).
 *
 * What hotpath rejects on its own (`E_CANCELLED`, `E_SHUTDOWN`) and failures of work it runs
 * on its own schedule (debounced and throttled invocations, write-behind batches) reach a
 * caller who awaits, and otherwise the registry's `error` event (cancellations silently). A
 * call's own failure reaches a caller who drops its promise exactly as an undecorated method's
 * would: as that caller's unhandled rejection (`own` below), never as one of hotpath's.
 */
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { runFixture } from '../helpers/child-fixture.js';

const FIXTURE = path.join(__dirname, 'fixtures', 'rejection-matrix.ts');

const SCENARIOS = ['shutdown', 'cancel', 'failure', 'after shutdown'] as const;

/**
 * Per decorator, per scenario (in {@link SCENARIOS} order): what an awaiting caller gets, and
 * what a caller who fires and forgets leaves unhandled. `cancel` on a decorator without
 * pending work to cancel throws `E_NOT_APPLICABLE` at once; the row's call then completes
 * (a queued `@rateLimit` call and a `@retry` wait are ended by the row's closing shutdown).
 */
const EXPECTED: Record<string, { awaited: string[]; forgotten: string[][] }> = {
  cached: { awaited: ['ok', 'ok', 'own', 'E_SHUTDOWN'], forgotten: [[], [], ['own'], []] },
  invalidates: { awaited: ['ok', 'ok', 'own', 'E_SHUTDOWN'], forgotten: [[], [], ['own'], []] },
  debounce: { awaited: ['ok', 'E_CANCELLED', 'own', 'E_SHUTDOWN'], forgotten: [[], [], [], []] },
  throttle: { awaited: ['ok', 'E_CANCELLED', 'own', 'E_SHUTDOWN'], forgotten: [[], [], [], []] },
  rateLimit: {
    awaited: ['E_SHUTDOWN', 'E_SHUTDOWN', 'own', 'E_SHUTDOWN'],
    forgotten: [[], [], ['own'], []],
  },
  // A rejected lazy value is forgotten (the next access computes again): lazy handles it.
  lazy: { awaited: ['ok', 'ok', 'own', 'ok'], forgotten: [[], [], [], []] },
  'batched (read)': {
    awaited: ['ok', 'E_CANCELLED', 'own', 'E_SHUTDOWN'],
    forgotten: [[], [], ['own'], []],
  },
  'batched (write-behind)': {
    awaited: ['ok', 'E_CANCELLED', 'own', 'E_SHUTDOWN'],
    forgotten: [[], [], [], []],
  },
  // @profile records the outcome on the method's own promise, which handles it.
  profile: { awaited: ['ok', 'ok', 'own', 'E_SHUTDOWN'], forgotten: [[], [], [], []] },
  // Shutdown ends a retry wait: the call rejects with the method's last error.
  retry: {
    awaited: ['own', 'own', 'own', 'E_SHUTDOWN'],
    forgotten: [['own'], ['own'], ['own'], []],
  },
  timeout: { awaited: ['ok', 'ok', 'own', 'E_SHUTDOWN'], forgotten: [[], [], ['own'], []] },
  use: { awaited: ['ok', 'ok', 'own', 'E_SHUTDOWN'], forgotten: [[], [], ['own'], []] },
};

function expectedRows(): Record<string, { unhandled: string[]; outcome: string }> {
  const rows: Record<string, { unhandled: string[]; outcome: string }> = {};
  for (const [decorator, { awaited, forgotten }] of Object.entries(EXPECTED)) {
    SCENARIOS.forEach((scenario, i) => {
      rows[`${decorator} | awaited | ${scenario}`] = { unhandled: [], outcome: awaited[i]! };
    });
    SCENARIOS.forEach((scenario, i) => {
      rows[`${decorator} | fire-and-forget | ${scenario}`] = {
        unhandled: forgotten[i]!,
        outcome: '-',
      };
    });
  }
  return rows;
}

describe('unhandled rejections', () => {
  it('hotpath leaves none of its own, for any decorator, awaited or not, under --unhandled-rejections=strict', async () => {
    const run = await runFixture(FIXTURE, [], {
      node: ['--unhandled-rejections=strict'],
      timeoutMs: 30_000,
    });
    expect(run.stderr).toBe('');
    const rows = JSON.parse(run.stdout) as Record<string, unknown>;
    // Same keys in the same order first: a row missing or added shows plainly.
    expect(Object.keys(rows)).toEqual(Object.keys(expectedRows()));
    expect(rows).toEqual(expectedRows());
    // And the process ends by itself once every registry is shut down (no timer left behind).
    expect(run.code).toBe(0);
  }, 60_000);
});
