/**
 * Runs a TypeScript fixture in its own Node process (through tsx), compiled in the decorator
 * mode of the Jest project running the test: what a user's process does, for checks of memory
 * (`--expose-gc`) or exit that an in-process test cannot make.
 */
import { execFile } from 'node:child_process';
import { childEnv } from './child-env.js';
import { REPO_ROOT } from '../setup/jest-project.js';

export interface FixtureRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `file` with `args`; `node` are extra Node flags (e.g. `['--expose-gc']`). The child is
 * killed after `timeoutMs`; resolves in every case (never rejects).
 */
export function runFixture(
  file: string,
  args: readonly string[] = [],
  { node = [], timeoutMs = 60_000 }: { node?: readonly string[]; timeoutMs?: number } = {},
): Promise<FixtureRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [...node, '--import', 'tsx', file, ...args],
      {
        cwd: REPO_ROOT,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 2 ** 20,
        env: childEnv(),
      },
      (_error, stdout, stderr) =>
        resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr }),
    );
  });
}
