/**
 * The decorator mode the current test file was compiled in. Each Jest project sets
 * `HOTPATH_DECORATORS` in a setup file (`mode-tc39.ts` / `mode-legacy.ts`) before any test
 * module loads.
 *
 * ```ts
 * import { LEGACY, MODE } from '../helpers/mode.js';
 * ```
 */
const raw = process.env.HOTPATH_DECORATORS;
if (raw !== 'tc39' && raw !== 'legacy') {
  throw new Error(
    `HOTPATH_DECORATORS must be 'tc39' or 'legacy' (set by the Jest project's setup file), got ${String(raw)}`,
  );
}

/** `'tc39'` (standard decorators) or `'legacy'` (`experimentalDecorators`). */
export const MODE: 'tc39' | 'legacy' = raw;

/** True when the test file was compiled with `experimentalDecorators`. */
export const LEGACY: boolean = MODE === 'legacy';
