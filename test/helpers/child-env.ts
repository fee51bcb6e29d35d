/**
 * The environment of a child `node --import tsx` process started by a test: the child compiles
 * its decorators in the mode of the Jest project running the suite (tsx reads
 * `TSX_TSCONFIG_PATH`), so a fixture with decorators is tested in both modes.
 *
 * ```ts
 * spawn(process.execPath, ['--import', 'tsx', FIXTURE], { cwd: REPO_ROOT, env: childEnv() });
 * ```
 */
import path from 'node:path';
import { REPO_ROOT } from '../setup/jest-project.js';
import { MODE } from './mode.js';

/** `process.env` plus `extra`, with `TSX_TSCONFIG_PATH` set to this project's tsconfig. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...extra,
    TSX_TSCONFIG_PATH: path.join(REPO_ROOT, `tsconfig.${MODE}.json`),
  };
}
