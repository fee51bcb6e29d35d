/**
 * About a real process: while a 30-day `@debounce`, a 30-day `@timeout` and calls past a monthly
 * `@rateLimit` quota are pending, Node must not warn about an overflowing timer (each warning
 * was a 30-day timer clamped to 1 ms, spinning at about 100 ms of CPU per second), and no wait
 * may end early. The CPU
 * figure the fixture prints is for the changelog, not asserted (no timed assertions).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../setup/jest-project.js';
import { childEnv } from '../helpers/child-env.js';

const FIXTURE = path.join(__dirname, 'fixtures', 'long-wait.ts');

interface Report {
  warnings: Record<string, number>;
  cpuMs: number;
  debounceRan: boolean;
  timedOut: boolean;
  /** Calls past the `@rateLimit` quotas started early if above 1 001. */
  quotaUsed: number;
}

describe('a 30-day wait in a real process', () => {
  it('arms no overflowing timer and ends neither wait early', async () => {
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>(
      (resolve, reject) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', FIXTURE],
          {
            cwd: REPO_ROOT,
            timeout: 30_000,
            env: childEnv(),
          },
          (error, out, err) => (error ? reject(error) : resolve({ stdout: out, stderr: err })),
        );
      },
    );
    const report = JSON.parse(stdout) as Report;
    expect({ ...report, cpuMs: undefined }).toEqual({
      warnings: {},
      cpuMs: undefined,
      debounceRan: false,
      timedOut: false,
      quotaUsed: 1001,
    });
    expect(stderr).toBe('');
  }, 40_000);
});
