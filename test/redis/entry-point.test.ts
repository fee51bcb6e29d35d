/**
 * SPEC §14: `hotpath` never loads a Redis client; `hotpath/redis` does. Checked in a fresh
 * Node process (Jest's module registry would hide what Node itself loads).
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../setup/jest-project.js';

const REDIS_CLIENTS = [
  '/node_modules/ioredis/',
  '/node_modules/@keyv/redis/',
  '/node_modules/@redis/client/',
];

/**
 * Every module URL a fresh Node process resolves while importing `entry` (ESM and CommonJS
 * alike: a resolve hook reports each one on stderr).
 */
function modulesLoadedBy(entry: string): string[] {
  const hooks = `import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  writeSync(2, 'RESOLVED ' + result.url + '\\n');
  return result;
}`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(
    `data:text/javascript,${encodeURIComponent(hooks)}`,
  )});`;
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      `data:text/javascript,${encodeURIComponent(register)}`,
      path.join(REPO_ROOT, entry),
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 20_000 },
  );
  if (child.status !== 0) throw new Error(`node exited with ${child.status}: ${child.stderr}`);
  return child.stderr
    .split('\n')
    .filter((line) => line.startsWith('RESOLVED '))
    .map((line) => line.slice('RESOLVED '.length));
}

const redisClientsIn = (modules: string[]): string[] =>
  REDIS_CLIENTS.filter((client) => modules.some((m) => m.includes(client)));

describe('entry points', () => {
  it('hotpath loads no Redis client', () => {
    const modules = modulesLoadedBy('src/index.ts');
    // The hook does see the whole graph: the cache decorator and its LRU are in it.
    expect(modules.some((m) => m.includes('/src/cached/'))).toBe(true);
    expect(modules.some((m) => m.includes('/node_modules/lru-cache/'))).toBe(true);
    expect(redisClientsIn(modules)).toEqual([]);
  }, 30_000);

  it('hotpath/redis loads ioredis, @keyv/redis and node-redis', () => {
    expect(redisClientsIn(modulesLoadedBy('src/redis/index.ts'))).toEqual(REDIS_CLIENTS);
  }, 30_000);
});
