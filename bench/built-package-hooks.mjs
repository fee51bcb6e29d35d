/**
 * Module hooks (node:module `register`) that make a bench measure the built package: every
 * import that resolves into `src/` loads the matching `dist/esm/` file instead, which is what
 * users run (tsc output through tshy).
 *
 * Why not the sources through tsx: tsx compiles with esbuild's `keepNames`, which adds a
 * `__name(fn, "name")` call (an `Object.defineProperty`) to every named function and closure it
 * creates. In a hot path that creates closures per call this cost about 0.3 µs per closure, a
 * cost no user pays, and it made the bench blame the wrong code. The bench files themselves still
 * run through tsx (their own top-level functions are named once).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const src = new URL('src/', root).href;
const dist = new URL('dist/esm/', root).href;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (!resolved.url.startsWith(src)) return resolved;
  const url = dist + resolved.url.slice(src.length).replace(/\.(c|m)?ts$/, '.$1js');
  if (!existsSync(fileURLToPath(url))) {
    throw new Error(
      `bench: ${fileURLToPath(url)} is missing: build the package first (npm run build), or run the sources with HOTPATH_BENCH_FROM=src`,
    );
  }
  return { ...resolved, url, format: url.endsWith('.cjs') ? 'commonjs' : 'module' };
}
