/**
 * Pieces the Redis integrations share: option checks in the house form, the process identity carried by bus messages, and once-per-kind warnings for errors that have no
 * caller.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { MAX_TIMER_MS } from '../core/clock.js';
import {
  checkOptionsObject,
  configError,
  describeValue,
  durationOption,
  optionError,
  stringOption,
} from '../core/options.js';

/**
 * Option names of the clients underneath (`@keyv/redis`, node-redis, ioredis) and the option
 * of ours that does their job: too far apart for the spelling hint, but a likely mix-up.
 */
const THEIR_NAMES: Readonly<Record<string, readonly string[]>> = {
  connectionTimeout: ['connectTimeout'],
  socketTimeout: ['commandTimeout'],
  reconnectStrategy: ['maxReconnectDelay'],
  retryStrategy: ['maxReconnectDelay'],
  keyPrefix: ['namespace', 'prefix'],
};

/**
 * Throws a `TypeError` if `options` is not a plain object (or undefined) or has a key outside
 * `known` (naming the closest known one, or ours for a name the underlying clients use).
 * `where` starts the message, e.g. `redisStore` or `new RedisBus()`. The core's option checks,
 * without a decorator in the prefix.
 */
export function checkRedisOptions(where: string, options: unknown, known: readonly string[]): void {
  if (options !== null && typeof options === 'object') {
    for (const key of Object.keys(options)) {
      const ours = known.includes(key)
        ? undefined
        : THEIR_NAMES[key]?.find((k) => known.includes(k));
      if (ours)
        throw configError({ where }, `unknown option \`${key}\` (did you mean \`${ours}\`?)`);
    }
  }
  checkOptionsObject({ where }, options, known);
}

/**
 * Validates a positive {@link Duration} option of at most 24.8 days (every one is a timeout or
 * an interval, run by Node or ioredis timers that would clamp a longer one to 1 ms);
 * `undefined` gives `fallback`.
 */
export function durationSetting(
  where: string,
  option: string,
  value: unknown,
  fallback: number,
): number {
  return durationOption({ where }, option, value, fallback, { positive: true, max: MAX_TIMER_MS });
}

/** Validates a non-empty string option; `undefined` gives `fallback`. */
export function stringSetting(
  where: string,
  option: string,
  value: unknown,
  fallback: string,
): string {
  return stringOption({ where }, option, value) ?? fallback;
}

/**
 * Validates the Redis URL every integration takes first. `call` (e.g. `redisStore(url)`) is
 * shown with the URL filled in when the URL came inside an object (`redisStore({ url })`).
 */
export function checkUrl(where: string, url: unknown, call?: string): string {
  if (typeof url === 'string' && /^rediss?:\/\//.test(url) && URL.canParse(url)) return url;
  const inner = (url as { url?: unknown } | null | undefined)?.url;
  const hint =
    call !== undefined && typeof inner === 'string'
      ? `did you mean \`${call.replace('url', describeValue(inner))}\`?`
      : undefined;
  throw optionError({ where }, 'url', 'a redis:// or rediss:// URL string', url, hint);
}

/** `host:port` of a Redis URL, for messages: never the password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'redis';
  }
}

/**
 * Identity of this process in bus messages: host, pid and a random part, so that two
 * processes never share it (pids repeat across hosts and containers) and a bus can tell its
 * own messages apart.
 */
export function newOriginId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

const warned = new Set<string>();

/**
 * Writes `message` as a process warning once per `kind` per process: for failures with no
 * caller and no `onError` listener (a bus losing its connection), so they are seen but never
 * flood the log.
 */
export function warnOnce(kind: string, message: string): void {
  if (warned.has(kind)) return;
  warned.add(kind);
  process.emitWarning(`[hotpath/redis] ${message}`, { type: 'HotpathWarning' });
}
