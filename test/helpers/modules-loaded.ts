/**
 * Every module a fresh Node process loads while it runs some code: what a test of "this entry
 * point does not load that package" has to look at (Jest's module registry would hide what Node
 * itself loads).
 */
import { afterAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../setup/jest-project.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-entry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let runs = 0;

/**
 * Every module a fresh Node process loads while it runs `code` (an ES module, from the
 * repository root): what a resolve hook sees (imports) and what is in the CommonJS cache at
 * exit (requires, which the hook does not see; the cache is one per process). Written to a
 * file: hundreds of lines on a pipe fail with EAGAIN under load.
 */
export function modulesLoadedBy(code: string): string[] {
  const file = path.join(dir, `${++runs}.log`);
  const hooks = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(file)}, result.url + '\\n');
  return result;
}`;
  const register = `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});
const { cache } = createRequire(process.cwd() + '/');
process.on('exit', () => appendFileSync(${JSON.stringify(file)}, Object.keys(cache).join('\\n') + '\\n'));`;
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      `data:text/javascript,${encodeURIComponent(register)}`,
      '--input-type=module',
      '-e',
      code,
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 20_000 },
  );
  if (child.status !== 0) throw new Error(`node exited with ${child.status}: ${child.stderr}`);
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}
