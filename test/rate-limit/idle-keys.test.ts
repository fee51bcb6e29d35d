/**
 * `@rateLimit({ key })` releases the budgets of idle keys on its own, with no new key needed to
 * trigger it: a real process (`fixtures/idle-keys.ts`, `--expose-gc`) runs a burst of 20 000
 * tenants, lets them go idle and measures the heap before and after.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { childEnv } from '../helpers/child-env.js';
import { REPO_ROOT } from '../setup/jest-project.js';

const FIXTURE = path.join(REPO_ROOT, 'test/rate-limit/fixtures/idle-keys.ts');

interface Report {
  keys: number;
  heldAfterBurst: number;
  bytesPerHeldKey: number;
  heldWhenIdle: number;
  retainedBytesPerKey: number;
}

describe('@rateLimit({ key }) and memory', () => {
  it('releases idle keys on their own: nothing retained per tenant once a burst went idle', async () => {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', FIXTURE, '20000'],
        { cwd: REPO_ROOT, env: childEnv(), timeout: 60_000, killSignal: 'SIGKILL' },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      ),
    );
    const report = JSON.parse(stdout) as Report;
    // The burst's 20 000 tenants and the warm-up one.
    expect(report).toMatchObject({ keys: 20_000, heldAfterBurst: 20_001, heldWhenIdle: 0 });
    expect(report.retainedBytesPerKey).toBeLessThan(64);
    // While held, a budget that never queued costs well under a kilobyte.
    expect(report.bytesPerHeldKey).toBeLessThan(1_024);
  }, 70_000);
});
