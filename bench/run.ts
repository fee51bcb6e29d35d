/**
 * `npm run bench [-- <filter>...]`: runs every `bench/*.bench.ts` whose file name contains
 * one of the filters (all of them without a filter), each in its own Node process through
 * tsx with `--expose-gc`, one after another so they do not compete for the CPU.
 * Exits non-zero if a bench file fails or misses a target (see `check()` in harness.ts).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { environmentHeader } from './harness.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
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
  `${environmentHeader()}\nrun:   each bench file in its own process: node --expose-gc --import tsx\n`,
);

const failed: string[] = [];
for (const file of files) {
  console.log(`\n# ${file}\n`);
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', path.join(benchDir, file)],
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
