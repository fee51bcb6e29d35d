/**
 * The optional peer packages of `hotpath/redis`, loaded on first use rather than imported:
 * importing `hotpath/redis` loads no Redis client, a process that only uses the bus and the lock
 * needs no keyv, and a package that is missing is named, with the command that installs it,
 * instead of Node's bare "Cannot find module" at import time.
 *
 * Types come from type-only imports (erased from the build). In the ES module build the
 * packages load through `require` (their CommonJS builds): `redisStore()` must return its keyv
 * synchronously.
 */
import type * as IORedis from 'ioredis';
import type * as KeyvRedisModule from '@keyv/redis';
import type * as KeyvModule from 'keyv';
import { HotpathError } from '../errors.js';
import { errorMessage } from '../core/error-message.js';
import { requireHere } from '../core/require-here.js';

/** Whether `error` says that `name` itself (not one of its own dependencies) was not found. */
function isMissing(error: unknown, name: string): boolean {
  return (
    (error as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND' &&
    errorMessage(error).startsWith(`Cannot find module '${name}'`)
  );
}

/** Loads peer `name` for `where`; names the package and how to install it when it is missing. */
function loadPeer<T>(name: string, where: string): T {
  try {
    return requireHere(name) as T;
  } catch (error) {
    if (!isMissing(error, name)) throw error;
    throw new HotpathError(
      'E_CONFIG',
      `${where}: needs the package '${name}', an optional peer of hotpath that is not installed: npm install ${name}`,
      { cause: error },
    );
  }
}

/** ioredis, for `RedisBus` and `RedisLock`. */
export function ioredis(where: string): typeof IORedis {
  return loadPeer('ioredis', where);
}

/** keyv and @keyv/redis, for `redisStore` (keyv first: @keyv/redis needs it too). */
export function keyvRedis(where: string): {
  Keyv: typeof KeyvModule.Keyv;
  KeyvRedis: typeof KeyvRedisModule.default;
  createClient: typeof KeyvRedisModule.createClient;
} {
  const { Keyv } = loadPeer<typeof KeyvModule>('keyv', where);
  const adapter = loadPeer<typeof KeyvRedisModule>('@keyv/redis', where);
  return { Keyv, KeyvRedis: adapter.default, createClient: adapter.createClient };
}
