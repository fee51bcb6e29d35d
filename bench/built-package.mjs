/**
 * `node --import ./bench/built-package.mjs`: registers bench/built-package-hooks.mjs (benches
 * load `dist/esm/` instead of `src/`). Imported after tsx, so these hooks run first and see
 * what tsx resolved.
 */
import { register } from 'node:module';

register('./built-package-hooks.mjs', import.meta.url);
