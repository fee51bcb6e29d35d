/**
 * `hotpath` never loads a Redis client, and loads Bottleneck only when a Bottleneck engine is
 * built; `hotpath/redis` loads each client only when it is used: `redisStore()` node-redis
 * (through @keyv/redis), `RedisBus`/`RedisLock` ioredis. Checked in a fresh Node process (Jest's
 * module registry would hide what Node itself loads).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../setup/jest-project.js';

const REDIS_CLIENTS = [
  '/node_modules/ioredis/',
  '/node_modules/@keyv/redis/',
  '/node_modules/@redis/client/',
];

const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-entry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let runs = 0;

/**
 * Every module a fresh Node process loads while it runs `code` (an ES module, from the
 * repository root): what a resolve hook sees (imports) and what is in the CommonJS cache at
 * exit (requires, which the hook does not see; the cache is one per process). Written to a
 * file: hundreds of lines on a pipe fail with EAGAIN under load.
 */
function modulesLoadedBy(code: string): string[] {
  const file = path.join(dir, `${++runs}.log`);
  const hooks = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(file)}, result.url + '\\n');
  return result;
}`;
  const register = `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});
const { cache } = createRequire(process.cwd() + '/');
process.on('exit', () => appendFileSync(${JSON.stringify(file)}, Object.keys(cache).join('\\n') + '\\n'));`;
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      `data:text/javascript,${encodeURIComponent(register)}`,
      '--input-type=module',
      '-e',
      code,
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 20_000 },
  );
  if (child.status !== 0) throw new Error(`node exited with ${child.status}: ${child.stderr}`);
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

const redisClientsIn = (modules: string[]): string[] =>
  REDIS_CLIENTS.filter((client) => modules.some((m) => m.includes(client)));

const loadsBottleneck = (modules: string[]): boolean =>
  modules.some((m) => m.includes('/node_modules/bottleneck/'));

/** Imports hotpath and awaits one call through a rate limit built with `options`. */
const rateLimitedCall = (
  options: string,
): string => `const { rateLimit } = await import('./src/index.ts');
const twice = rateLimit(${options})(async (n) => n * 2);
if ((await twice(21)) !== 42) throw new Error('wrong result');`;

describe('entry points', () => {
  it('hotpath loads no Redis client, and no Bottleneck with the local engine', () => {
    const modules = modulesLoadedBy(rateLimitedCall('{ limit: 5, interval: 1000 }'));
    // The whole graph is seen: the cache decorator and the local engine are in it.
    expect(modules.some((m) => m.includes('/src/cached/'))).toBe(true);
    expect(modules.some((m) => m.includes('/src/rate-limit/local-engine.ts'))).toBe(true);
    expect(loadsBottleneck(modules)).toBe(false);
    expect(redisClientsIn(modules)).toEqual([]);
  }, 30_000);

  it("hotpath loads Bottleneck when an engine: 'bottleneck' limit is first built", () => {
    // Also shows that a dependency loaded through require is seen (the case above would pass
    // without it otherwise).
    const modules = modulesLoadedBy(
      rateLimitedCall("{ limit: 5, interval: 1000, engine: 'bottleneck' }"),
    );
    expect(loadsBottleneck(modules)).toBe(true);
    expect(redisClientsIn(modules)).toEqual([]);
  }, 30_000);

  it('hotpath/redis loads none either until one is used', () => {
    const modules = modulesLoadedBy(`await import('./src/redis/index.ts');`);
    expect(modules.some((m) => m.includes('/src/redis/redis-store.ts'))).toBe(true);
    expect(redisClientsIn(modules)).toEqual([]);
  }, 30_000);

  it('redisStore() loads @keyv/redis and node-redis; RedisLock and RedisBus ioredis', () => {
    const url = 'redis://127.0.0.1:1';
    const store = modulesLoadedBy(`const { redisStore } = await import('./src/redis/index.ts');
await redisStore('${url}').disconnect();`);
    expect(redisClientsIn(store)).toEqual([
      '/node_modules/@keyv/redis/',
      '/node_modules/@redis/client/',
    ]);
    const lock = modulesLoadedBy(`const { RedisLock } = await import('./src/redis/index.ts');
await new RedisLock({ url: '${url}', onError: () => {} }).close();`);
    expect(redisClientsIn(lock)).toEqual(['/node_modules/ioredis/']);
  }, 30_000);
});
