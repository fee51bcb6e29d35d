/**
 * The layering rule of `npm run lint` (eslint.config.js, LAYERS): imports in src/ point down
 * only, core → decorators → registry → integrations. ESLint runs for real, on source given as
 * if it were a file of src/, so a rule that stopped matching would fail here.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../setup/jest-project.js';

const ESLINT = path.join(REPO_ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');

/** What ESLint's layering rule reports for `source` as the file `file` of the repository. */
function layerErrors(file: string, source: string): string[] {
  let output: string;
  try {
    output = execFileSync(
      process.execPath,
      [ESLINT, '--format', 'json', '--stdin', '--stdin-filename', file],
      { cwd: REPO_ROOT, input: source, encoding: 'utf8' },
    );
  } catch (error) {
    // ESLint exits with 1 when it reports errors; the report is still on stdout.
    output = (error as { stdout: string }).stdout;
  }
  const [result] = JSON.parse(output) as Array<{
    messages: Array<{ ruleId: string | null; message: string }>;
  }>;
  return result!.messages
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message.split('. ')[0]!);
}

describe('the layering rule', () => {
  it('refuses core importing the registry or a decorator, and lets it import errors', () => {
    const source = [
      "import type { Hotpath } from '../registry/hotpath.js';",
      "import { cached } from '../cached/cached.js';",
      "import { HotpathError } from '../errors.js';",
      "import { Call } from './call.js';",
      'export type { Hotpath };',
      'export { cached, HotpathError, Call };',
      '',
    ].join('\n');
    expect(layerErrors('src/core/example.ts', source)).toEqual([
      "'../registry/hotpath.js' import is restricted from being used by a pattern",
      "'../cached/cached.js' import is restricted from being used by a pattern",
    ]);
  });

  it('refuses a decorator importing the registry or a decorator it is not built on', () => {
    const source = [
      "import { registryOf } from '../registry/binding.js';",
      "import { batched } from '../batched/batched.js';",
      "import { debounce } from '../debounce/debounce.js';",
      "import { TimingEngine } from '../timing/timing-engine.js';",
      "import { PerRuntime } from '../core/per-runtime.js';",
      'export { registryOf, batched, debounce, TimingEngine, PerRuntime };',
      '',
    ].join('\n');
    expect(layerErrors('src/throttle/example.ts', source)).toEqual([
      "'../registry/binding.js' import is restricted from being used by a pattern",
      "'../batched/batched.js' import is restricted from being used by a pattern",
      "'../debounce/debounce.js' import is restricted from being used by a pattern",
    ]);
  });
});
