/**
 * The README's intro sample, run as a user would run it: extracted from README.md, written as
 * a module of its own in an ES module project that resolves `hotpath` to `src/`, and run by
 * tsx in a child process compiled in this Jest project's decorator mode. It must print the
 * lines its comments promise and exit by itself (nothing left pending, no Redis needed).
 * `npm run check:readme` type-checks every sample; this runs the one a reader tries first.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { extractSamples, writeSampleProject } from '../../scripts/readme-samples.js';
import { REPO_ROOT } from '../setup/jest-project.js';
import { MODE } from '../helpers/mode.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-readme-intro-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README intro sample', () => {
  it('is the first TypeScript block, before the first section', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const [intro] = extractSamples(readme, 'README.md');
    const firstSection = readme.split('\n').findIndex((l) => l.startsWith('## ')) + 1;
    expect(intro!.line).toBeLessThan(firstSection);
    expect(intro!.modes).toEqual(['tc39', 'legacy']);
  });

  it(`runs as pasted (${MODE} decorators), prints what its comments say and exits`, async () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const [intro] = extractSamples(readme, 'README.md');
    const files = writeSampleProject(dir, REPO_ROOT, [intro!]);
    const [file] = [...files.keys()];
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = execFile(
          process.execPath,
          ['--import', 'tsx', file!],
          {
            cwd: REPO_ROOT,
            timeout: 30_000,
            killSignal: 'SIGKILL',
            env: { ...process.env, TSX_TSCONFIG_PATH: path.join(dir, `tsconfig.${MODE}.json`) },
          },
          (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
        );
      },
    );
    // What each `console.log(...); // <output>` line of the sample says it prints.
    const promised = intro!.code
      .split('\n')
      .flatMap((line) => /^console\.log\(.*\); \/\/ (.+)$/.exec(line)?.[1] ?? []);
    expect(promised).toEqual(['Ada and Grace in 1 query', 'welcome mail sent to Ada']);
    expect(run).toEqual({ code: 0, stdout: promised.map((l) => `${l}\n`).join(''), stderr: '' });
  });
});
