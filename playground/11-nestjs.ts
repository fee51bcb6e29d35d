/**
 * Runs playground/nestjs/app.ts, a small NestJS app with hotpath/nestjs. NestJS needs
 * experimentalDecorators, which this runner's TC39 setup does not compile, so the app runs in a
 * child process of tsx with playground/nestjs/tsconfig.json.
 *
 * Run: npx tsx playground/11-nestjs.ts
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'nestjs');
const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, 'app.ts')], {
  stdio: 'inherit',
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(dir, 'tsconfig.json') },
});
process.exit(child.status ?? 1);
