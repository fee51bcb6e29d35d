/**
 * The registry owns a Bottleneck instance given in `limiters`: after `registry.shutdown()` the
 * README's clustered sample exits by itself (a real Node process, a private redis-server),
 * whether or not a call ever went through the limiters, and with Redis frozen (SIGSTOP).
 * Before, the user's instance kept its two ioredis sockets open and the process never exited.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from '@jest/globals';
import { childEnv } from '../helpers/child-env.js';
import { REPO_ROOT } from '../setup/jest-project.js';
import {
  describePrivateRedis,
  usePrivateRedis,
  type PrivateRedis,
} from '../helpers/redis-server.js';

const FIXTURE = path.join(REPO_ROOT, 'test/rate-limit/fixtures/readme-limiters.ts');
/** Far above a bounded close (a few seconds against a frozen Redis) and far below a hang (forever). */
const EXIT_LIMIT_MS = 25_000;

/** Runs the sample; resolves with its exit code (null: killed at the limit) and output lines. */
function runSample(
  redis: PrivateRedis,
  mode: 'used' | 'unused' | 'frozen',
): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, String(redis.port), mode], {
      cwd: REPO_ROOT,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const limit = setTimeout(() => child.kill('SIGKILL'), EXIT_LIMIT_MS);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (mode === 'frozen' && out.includes('ready\n') && !out.includes('shutdown')) {
        redis.pause();
        child.kill('SIGUSR2');
      }
    });
    child.once('exit', (code) => {
      clearTimeout(limit);
      if (mode === 'frozen') redis.resume();
      resolve({
        code,
        lines: out
          .trim()
          .split('\n')
          .filter((line) => line !== 'ready'),
      });
    });
  });
}

describePrivateRedis('the README Bottleneck sample and process exit', () => {
  const redis = usePrivateRedis();

  it.each(['used', 'unused', 'frozen'] as const)(
    'exits by itself after registry.shutdown() (limiters %s)',
    async (mode) => {
      const { code, lines } = await runSample(redis(), mode);
      expect(code).toBe(0);
      expect(lines).toEqual([
        expect.stringMatching(/^shutdown \d+$/),
        // Frozen: past the timeout, the report names the limiter still stopping (the one hotpath
        // built; the user's instance is stopped without a Redis round trip, then disconnected
        // with the stores).
        ...(mode === 'frozen'
          ? ["abandoned rateLimit: limiter 'github' had not stopped (its Redis did not answer)"]
          : []),
        expect.stringMatching(/^exit \d+$/),
      ]);
    },
    EXIT_LIMIT_MS + 10_000,
  );
});
