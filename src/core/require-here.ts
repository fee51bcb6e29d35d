/**
 * `require` relative to this file, for what hotpath loads on first use rather than at import
 * (Bottleneck, the optional peers of `hotpath/redis`): resolved from where hotpath is installed,
 * as its own imports would be, and synchronous (engines and stores are built synchronously;
 * those packages are CommonJS or ship a CommonJS build). This is the ES module build's
 * version; tshy swaps in `require-here-cjs.cts` for the CommonJS build (and so does Jest, which
 * runs the sources as CommonJS).
 */
import { createRequire } from 'node:module';

// tshy type-checks this file in the CommonJS build too, where `import.meta` is an error (the
// build then uses require-here-cjs.cts instead).
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore
export const requireHere: NodeJS.Require = createRequire(import.meta.url);
