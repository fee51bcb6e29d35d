/**
 * About real time and a real process: a pending `@timeout` call must not keep Node alive.
 * The fixture starts a `@timeout('10m')` call whose promise never settles and then has nothing
 * left to do; it must exit by itself within seconds (start-up included), not after ten minutes.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';

const FIXTURE = path.join(__dirname, 'fixtures', 'pending-timeout.ts');
/** Generous for a loaded machine; far below the fixture's ten-minute timeout. */
const LIMIT_MS = 20_000;

describe('@timeout and the process', () => {
  it(
    'lets a process with a pending @timeout call exit on time, without waiting for the timeout',
    async () => {
      const started = Date.now();
      const { code, signal, stdout, stderr } = await new Promise<{
        code: number | null;
        signal: NodeJS.Signals | null;
        stdout: string;
        stderr: string;
      }>((resolve) => {
        const child = execFile(
          process.execPath,
          ['--import', 'tsx', FIXTURE],
          { cwd: path.join(__dirname, '../..'), timeout: LIMIT_MS, killSignal: 'SIGKILL' },
          (_error, stdout, stderr) =>
            resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr }),
        );
      });
      const elapsed = Date.now() - started;
      expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
      expect(stdout).toMatch(/^pending @timeout call started\nexiting with 0 after \d+ ms\n$/);
      expect(elapsed).toBeLessThan(LIMIT_MS);
    },
    LIMIT_MS + 10_000,
  );
});
