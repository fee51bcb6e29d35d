/**
 * Proves that the Jest setup turns an unhandled promise rejection into a failure that names
 * it, by running Jest in a child process on test/tooling/fixtures/unhandled-rejection.
 * The child runs do not depend on the decorator mode, so they run in the tc39 project only.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../setup/jest-project.js';
import { MODE } from '../helpers/mode.js';

const FIXTURE_CONFIG = path.join(__dirname, 'fixtures/unhandled-rejection/jest.config.ts');
const JEST_BIN = path.join(REPO_ROOT, 'node_modules/jest/bin/jest.js');

interface ChildRun {
  code: number | null;
  output: string;
}

function runFixture(args: string[]): Promise<ChildRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  delete env.JEST_WORKER_ID;
  delete env.HOTPATH_JEST_REPORT_DIR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JEST_BIN, '--config', FIXTURE_CONFIG, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const describeTc39 = (name: string, body: () => void): void =>
  MODE === 'tc39' ? describe(name, body) : describe.skip(`[tc39 project only] ${name}`, body);

describeTc39('an unhandled promise rejection', () => {
  it('fails the test that leaked it and names the reason', async () => {
    const run = await runFixture(['--runInBand', 'leaks']);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('✕ leaves a rejected promise unhandled');
    expect(run.output).toContain('● leaves a rejected promise unhandled');
    expect(run.output).toContain('fixture: rejection nobody handled');
    expect(run.output).toContain('✓ passes by itself');
  }, 60_000);

  it('fails the run when it surfaces after the last file finished in band', async () => {
    const run = await runFixture(['--runInBand', 'late']);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('Unhandled promise rejection outside any running test');
    expect(run.output).toContain('fixture: late rejection');
  }, 60_000);

  it('fails the run when it surfaces in an idle Jest worker, instead of crashing it', async () => {
    // `workerIdleMemoryLimit` makes Jest use workers even for a few fast files.
    const run = await runFixture(['--maxWorkers=3', '--workerIdleMemoryLimit=2GB']);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('fixture: rejection nobody handled');
    expect(run.output).toContain('Got error running globalTeardown');
    expect(run.output).toContain('Unhandled promise rejection outside any running test');
    expect(run.output).toContain('fixture: late rejection');
    expect(run.output).toContain('late.test.ts');
  }, 60_000);
});
