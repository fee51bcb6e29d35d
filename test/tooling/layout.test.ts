/**
 * The test tree mirrors src/ (test/README.md, "Layout"): `test/<dir>/` tests `src/<dir>/`, a
 * test file at the root of test/ tests the file of src/ with its name, and shared code lives in
 * test/helpers/ only. Each way of letting time pass has one definition (test/helpers/time.ts,
 * fake-time.ts): a file that writes its own `sleep` or `settle` again is named here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../setup/jest-project.js';

const TEST = path.join(REPO_ROOT, 'test');
const SRC = path.join(REPO_ROOT, 'src');
/** The directories of test/ that test no directory of src/. */
const HARNESS = ['helpers', 'setup', 'tooling'];

const isDir = (p: string): boolean => statSync(p).isDirectory();

/** Every file under `dir`, relative to test/, skipping `fixtures` directories when asked. */
function filesUnder(dir: string, skipFixtures: boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (isDir(full)) {
      if (!(skipFixtures && name === 'fixtures')) out.push(...filesUnder(full, skipFixtures));
    } else {
      out.push(path.relative(TEST, full));
    }
  }
  return out;
}

describe('the test tree', () => {
  it('has a directory per src/ directory it tests, besides helpers/, setup/ and tooling/', () => {
    // A directory git left empty after its files moved away does not count.
    const strays = readdirSync(TEST)
      .filter((name) => isDir(path.join(TEST, name)) && !HARNESS.includes(name))
      .filter((name) => filesUnder(path.join(TEST, name), false).length > 0)
      .filter((name) => !readdirSync(SRC).includes(name) || !isDir(path.join(SRC, name)));
    expect(strays).toEqual([]);
  });

  it('names each test file at its root after the src/ file it tests', () => {
    const strays = readdirSync(TEST)
      .filter((name) => name.endsWith('.test.ts'))
      .filter((name) => !readdirSync(SRC).includes(name.replace(/\.test\.ts$/, '.ts')));
    expect(strays).toEqual([]);
  });

  it('keeps only test files and fixtures/ beside the tests (shared code is in test/helpers/)', () => {
    const strays = readdirSync(TEST)
      .filter((name) => isDir(path.join(TEST, name)) && name !== 'helpers' && name !== 'setup')
      .flatMap((name) => filesUnder(path.join(TEST, name), true))
      .filter((file) => !file.endsWith('.test.ts'));
    expect(strays).toEqual([]);
  });

  it('has no sleep, settle, flush or delay function of its own (time.ts has one of each, by meaning)', () => {
    // A function of that name: `const sleep = (ms) => ...`, `async function settle() {...}`.
    const own =
      /^\s*(?:export\s+)?(?:(?:async\s+)?function\s+(?:sleep|settle|flush|delay)\b|const\s+(?:sleep|settle|flush|delay)\s*=\s*(?:async\s*)?\()/m;
    const copies = filesUnder(TEST, false)
      .filter((file) => /\.(ts|mts|cts)$/.test(file) && !file.startsWith(`setup${path.sep}`))
      .filter((file) => own.test(readFileSync(path.join(TEST, file), 'utf8')));
    expect(copies).toEqual([]);
  });
});
