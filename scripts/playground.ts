/**
 * `npm run playground`: runs every `playground/*.ts` in name order, each in its own Node
 * process through tsx, printing a header per script. Stops at the first script that exits
 * non-zero (or runs longer than the time limit) and exits with its code.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TIME_LIMIT_MS = 60_000;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'playground');

const scripts = readdirSync(dir)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
  .sort();

if (scripts.length === 0) {
  console.error('playground/ has no .ts script to run.');
  process.exit(1);
}

for (const [index, name] of scripts.entries()) {
  console.log(`\n=== [${index + 1}/${scripts.length}] playground/${name} ===\n`);
  const started = Date.now();
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, name)], {
    cwd: root,
    stdio: 'inherit',
    timeout: TIME_LIMIT_MS,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (child.error || child.status !== 0) {
    const why = child.error
      ? `${child.error.message}${child.signal ? ` (${child.signal})` : ''}`
      : child.signal
        ? `killed by ${child.signal}`
        : `exit code ${child.status}`;
    console.error(`\nplayground/${name} failed after ${seconds} s: ${why}`);
    process.exit(child.status === null || child.status === 0 ? 1 : child.status);
  }
  console.log(`\n--- playground/${name}: ok (${seconds} s)`);
}

console.log(`\nAll ${scripts.length} playground script(s) ran.`);
