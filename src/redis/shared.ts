/**
 * Pieces the Redis integrations share: option checks in the house form, a bounded wait, the
 * process identity carried by bus messages, and once-per-kind warnings for errors that have no
 * caller.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { MAX_TIMER_MS } from '../core/clock.js';
import {
  checkOptionsObject,
  describeValue,
  durationOption,
  stringOption,
} from '../core/options.js';

/**
 * Throws a `TypeError` if `options` is not a plain object (or undefined) or has a key outside
 * `known` (naming the closest known one). `where` starts the message, e.g. `redisStore` or
 * `new RedisBus()`. The core's option checks, without a decorator in the prefix.
 */
export function checkRedisOptions(where: string, options: unknown, known: readonly string[]): void {
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

/** Validates the Redis URL every integration takes first. */
export function checkUrl(where: string, url: unknown): string {
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    throw new TypeError(
      `${where}: \`url\` must be a redis:// or rediss:// URL string, got ${describeValue(url)}`,
    );
  }
  return url;
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

/** Marker resolved by {@link withDeadline} when the deadline passed first. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * Settles with `promise`, or with {@link TIMED_OUT} after `ms`, whichever comes first. The
 * timer is `unref`ed and cleared: a bounded wait never keeps the process alive. A rejection
 * of `promise` after the deadline is swallowed (the caller has moved on).
 */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
    timer.unref();
  });
  promise.catch(() => {});
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
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
