/**
 * `@rateLimit` never turns a refusal into an unhandled rejection: a real Node process run with
 * `--unhandled-rejections=strict` (`fixtures/unhandled.ts`), where one would end the process.
 * A caller who awaits gets the refusal; one who fires and forgets leaves it to the registry's
 * `error` event. A failure of the method itself stays its caller's, exactly as without hotpath.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { childEnv } from '../helpers/child-env.js';
import { REPO_ROOT } from '../setup/jest-project.js';

const FIXTURE = path.join(REPO_ROOT, 'test/rate-limit/fixtures/unhandled.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function fixture(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--unhandled-rejections=strict', '--import', 'tsx', FIXTURE, ...args],
      {
        cwd: REPO_ROOT,
        env: childEnv(),
        timeout: 30_000,
        killSignal: 'SIGKILL',
      },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

describe('@rateLimit under --unhandled-rejections=strict', () => {
  it('gives refusals to callers who await and to the error event when nobody does', async () => {
    const { code, stdout, stderr } = await fixture('refusals');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.trim().split('\n')).toEqual([
      'local, waiting at shutdown awaited: caller rejected E_SHUTDOWN; error event []',
      'bottleneck, waiting at shutdown awaited: caller rejected E_SHUTDOWN; error event []',
      "local, onLimit 'reject' awaited: caller rejected E_RATE_LIMITED; error event []",
      'local, queue full awaited: caller rejected E_RATE_LIMITED; error event []',
      'unknown limiter awaited: caller rejected E_CONFIG; error event []',
      'local, waiting at shutdown ignored: caller ignored; error event [E_SHUTDOWN]',
      'bottleneck, waiting at shutdown ignored: caller ignored; error event [E_SHUTDOWN]',
      "local, onLimit 'reject' ignored: caller ignored; error event [E_RATE_LIMITED]",
      'local, queue full ignored: caller ignored; error event [E_RATE_LIMITED]',
      'unknown limiter ignored: caller ignored; error event [E_CONFIG]',
    ]);
  }, 40_000);

  it('leaves a forgotten failure of the method itself to Node, as the undecorated method does', async () => {
    const [decorated, plain] = await Promise.all([
      fixture('failure', 'decorated'),
      fixture('failure', 'plain'),
    ]);
    const firstLine = (run: Run): string | undefined =>
      run.stderr.split('\n').find((line) => line.startsWith('Error'));
    expect(plain.code).toBe(1);
    expect(firstLine(plain)).toBe('Error: the method failed');
    expect({ code: decorated.code, error: firstLine(decorated), out: decorated.stdout }).toEqual({
      code: plain.code,
      error: firstLine(plain),
      out: plain.stdout,
    });
  }, 40_000);
});
