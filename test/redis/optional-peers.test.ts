/**
 * `hotpath/redis` without its optional peers (`keyv`, `@keyv/redis`, `ioredis`): importing it
 * works, and each integration names the package it lacks, with the command that installs it.
 *
 * A real absence, in real processes: the sources are copied into a temporary package whose
 * node_modules holds hotpath's dependencies and only the peers a case installs; nothing above
 * it has a node_modules. Both module systems run, as the two builds do: the CommonJS copy gets
 * `require-here-cjs.cts` in place of `require-here.ts`, the switch tshy makes for that build.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../setup/jest-project.js';

const root = mkdtempSync(path.join(tmpdir(), 'hotpath-peers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const { dependencies } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

/** Tries each integration and prints what it threw (or `ok`), one line each. */
const PROBE = `
const url = 'redis://127.0.0.1:1';
const tries = {
  redisStore: () => m.redisStore(url).disconnect(),
  RedisBus: () => new m.RedisBus({ url, onError() {} }).close(),
  RedisLock: () => new m.RedisLock({ url, onError() {} }).close(),
};
for (const [name, run] of Object.entries(tries)) {
  try {
    await run();
    console.log(name + ': ok');
  } catch (error) {
    console.log(name + ': ' + error.code + ' ' + error.message);
  }
}`;

/** A copy of the sources as package `type` with `peers` installed; the probe's output lines. */
function probe(type: 'module' | 'commonjs', peers: string[]): string[] {
  const dir = mkdtempSync(path.join(root, `${type}-`));
  cpSync(path.join(REPO_ROOT, 'src'), path.join(dir, 'src'), { recursive: true });
  if (type === 'commonjs') {
    cpSync(
      path.join(dir, 'src/core/require-here-cjs.cts'),
      path.join(dir, 'src/core/require-here.ts'),
    );
  }
  for (const name of [...Object.keys(dependencies), ...peers]) {
    mkdirSync(path.dirname(path.join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, 'node_modules', name), path.join(dir, 'node_modules', name));
  }
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type }));
  const file = path.join(dir, type === 'module' ? 'probe.mjs' : 'probe.cjs');
  writeFileSync(
    file,
    type === 'module'
      ? `const m = await import('./src/redis/index.ts');\n${PROBE}`
      : `const m = require('./src/redis/index.ts');\n(async () => {${PROBE}\n})();`,
  );
  // tsx from this repository (cwd); everything else resolves from the copy.
  const child = spawnSync(process.execPath, ['--import', 'tsx', file], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (child.status !== 0) throw new Error(`probe exited with ${child.status}: ${child.stderr}`);
  return child.stdout.trim().split('\n');
}

const needs = (where: string, name: string): string =>
  `${where}: E_CONFIG ${where === 'redisStore' ? 'redisStore' : `new ${where}()`}: needs the package '${name}', an optional peer of hotpath that is not installed: npm install ${name}`;

describe.each(['module', 'commonjs'] as const)('hotpath/redis without its peers (%s)', (type) => {
  it('imports, and each integration names the package it needs', () => {
    expect(probe(type, [])).toEqual([
      needs('redisStore', 'keyv'),
      needs('RedisBus', 'ioredis'),
      needs('RedisLock', 'ioredis'),
    ]);
  }, 30_000);

  it('names @keyv/redis when only keyv is there, and runs what is installed', () => {
    expect(probe(type, ['keyv', 'ioredis'])).toEqual([
      needs('redisStore', '@keyv/redis'),
      'RedisBus: ok',
      'RedisLock: ok',
    ]);
  }, 30_000);
});
