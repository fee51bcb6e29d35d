/**
 * `npm run bench [-- <filter>...]`: runs every `bench/*.bench.ts` whose file name contains
 * one of the filters (all of them without a filter), each in its own Node process through
 * tsx with `--expose-gc`, one after another so they do not compete for the CPU.
 * They measure the built package (`dist/esm/`, what users run; `npm run bench` builds it first):
 * see bench/built-package-hooks.mjs for why not the sources through tsx. `HOTPATH_BENCH_FROM=src`
 * measures the sources instead (no build needed, but tsx's `keepNames` inflates closures).
 * Exits non-zero if a bench file fails or misses a target (see `check()` in harness.ts).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { environmentHeader } from './harness.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const fromSource = process.env.HOTPATH_BENCH_FROM === 'src';
const filters = process.argv.slice(2).filter((arg) => arg !== '--');

const files = readdirSync(benchDir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();

if (files.length === 0) {
  console.error(
    `No bench/*.bench.ts file matches ${filters.map((f) => `'${f}'`).join(', ') || '(none)'}.`,
  );
  process.exit(1);
}

console.log(
  `${environmentHeader()}\nrun:   each bench file in its own process: node --expose-gc --import tsx\ncode:  ${fromSource ? 'src/ through tsx (HOTPATH_BENCH_FROM=src)' : 'the built package, dist/esm/ (tsc output)'}\n`,
);

if (!fromSource) {
  console.log('building the package (tshy) ...');
  const build = spawnSync(path.join(benchDir, '..', 'node_modules', '.bin', 'tshy'), [], {
    stdio: 'inherit',
  });
  if (build.status !== 0) {
    console.error('npm run bench: the build failed (or run the sources: HOTPATH_BENCH_FROM=src)');
    process.exit(1);
  }
}

const failed: string[] = [];
for (const file of files) {
  console.log(`\n# ${file}\n`);
  const child = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      ...(fromSource ? [] : ['--import', path.join(benchDir, 'built-package.mjs')]),
      path.join(benchDir, file),
    ],
    { stdio: 'inherit', env: { ...process.env, HOTPATH_BENCH_HEADER: 'printed' } },
  );
  if (child.status !== 0) failed.push(`${file} (${child.signal ?? `exit ${child.status}`})`);
}

console.log(
  failed.length === 0
    ? `\n${files.length} bench file(s) done.`
    : `\n${failed.length} of ${files.length} bench file(s) failed or missed a target: ${failed.join(', ')}`,
);
process.exitCode = failed.length === 0 ? 0 : 1;
