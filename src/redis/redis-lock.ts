/**
 * `RedisLock`: distributed single flight for `@cached({ distributedLock: true })`, so that N
 * processes missing one key run the method about once.
 *
 * When several processes miss the same key at once, the one that takes the lock runs the
 * method and writes the shared tier; the others (`acquire` resolved `null`) wait for the value
 * to land there, and compute it themselves after a bound (that waiting is `@cached`'s part).
 *
 * The lock is `SET <prefix><key> <token> NX PX <ttl>`; releasing deletes it only if it still
 * holds this holder's random token (a Lua compare-and-delete), so a holder whose lock expired
 * can never release someone else's. It is a best-effort lock for avoiding duplicate work, not a
 * mutual-exclusion guarantee (Redis pub/sub, failover and expiry can all let two holders run):
 * the method must stay correct when run twice.
 *
 * Failing open: when Redis is unreachable, slow (`acquireTimeout`) or answers with an error,
 * `acquire` resolves to a no-op release at once, as if the lock were granted, so the caller
 * computes the value itself instead of waiting for a holder that may not exist. During an
 * outage every process then computes its own value (at most once per process and key, thanks
 * to in-process single flight): the same as without the lock.
 */
import { randomBytes } from 'node:crypto';
import { optionError, type Duration } from '../core/options.js';
import type { SingleFlightLock } from '../registry/types.js';
import {
  CONNECTION_OPTIONS,
  leaseConnection,
  resolveClientConnection,
  resolveConnection,
  type Lease,
  type RedisCommandClient,
  type RedisConnectionOptions,
} from './connection.js';
import { ClientConnection } from './client-connection.js';
import { TIMED_OUT, withDeadline } from '../core/deadline.js';
import { errorMessage } from '../core/error-message.js';
import { durationSetting } from './shared.js';

/** Options of {@link RedisLock}. */
export interface RedisLockOptions extends Omit<RedisConnectionOptions, 'url'> {
  /**
   * Redis URL (`redis://` or `rediss://`): hotpath opens (and closes) a connection shared with
   * the process's `RedisBus`. Required unless `client` is given.
   *
   * @default undefined
   */
  url?: string;
  /**
   * Your own ioredis client instead of a `url`: a `Redis` (Sentinel-managed with
   * `new Redis({ sentinels, name })`) or a `Cluster` (a lock is one key, so one slot). hotpath
   * never closes it; its reconnects and failovers are its own, and `acquireTimeout` still bounds
   * every `acquire`. The connection options (`connectTimeout`, ...) then only bound waits.
   *
   * @default undefined
   */
  client?: RedisCommandClient;
  /**
   * Prefix added to every lock key (`@cached` already names its locks
   * `hotpath:lock:<Class.method>:<key>`). Give each application sharing a Redis its own
   * prefix (e.g. `'shop:'`), so equally named methods of two applications never wait for
   * each other.
   *
   * @default ''
   */
  prefix?: string;
  /**
   * How long `acquire` may take before it gives up and lets the caller compute (fail open);
   * the same as `@cached`'s `storeTimeout`. The first `acquire` of a fresh process waits up to
   * `connectTimeout` instead.
   *
   * @default '250ms'
   */
  acquireTimeout?: Duration;
}

const KNOWN = [...CONNECTION_OPTIONS, 'client', 'prefix', 'acquireTimeout'];
const WHERE = 'new RedisLock()';

/** Deletes KEYS[1] only while it still holds this holder's token ARGV[1]. */
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Figures of a {@link RedisLock}, cumulative since it was created. */
export interface RedisLockStats {
  /** `acquire` calls that got the lock. */
  acquired: number;
  /** `acquire` calls that found it held by someone else (`null`). */
  contended: number;
  /** `acquire` calls answered with a no-op release because Redis was unreachable, slow or failing. */
  failedOpen: number;
}

const noopRelease = async (): Promise<void> => {};

/** What `acquire` got when the SET was answered with an error. */
const FAILED: unique symbol = Symbol('failed');

/**
 * A distributed single-flight lock over Redis for `createHotpath({ lock })`.
 *
 * `acquire(key, ttlMs)` resolves a release function (this process holds the lock for at most
 * `ttlMs`), `null` (another process holds it), or a no-op release when Redis cannot answer
 * within `acquireTimeout` (fail open: compute yourself). Never rejects, never waits longer
 * than `acquireTimeout` (the first call of a fresh process: `connectTimeout`). Release never
 * rejects either. Cost: one round trip to acquire, one to release.
 *
 * Shares the process's command connection for the URL with {@link RedisBus}. `close()` gives
 * it back (`registry.shutdown()` calls it).
 */
export class RedisLock implements SingleFlightLock {
  /** Prefix of the lock keys. */
  readonly prefix: string;
  readonly #lease: Lease | { connection: ClientConnection; release(): Promise<void> };
  readonly #acquireTimeout: number;
  readonly #connectTimeout: number;
  readonly #onError: (error: Error) => void;
  readonly #removeErrorListener: () => void;
  readonly #stats: RedisLockStats = { acquired: 0, contended: 0, failedOpen: 0 };
  #closed = false;

  /** Opens (or shares) the connection at once; throws a `TypeError` for a bad URL or option. */
  constructor(options: RedisLockOptions) {
    const given = options !== null && typeof options === 'object' && 'client' in options;
    const { settings, onError, ...target } = given
      ? resolveClientConnection(WHERE, 'RedisLock', options, KNOWN)
      : { ...resolveConnection(WHERE, 'RedisLock', options as RedisConnectionOptions, KNOWN) };
    // A string, empty included (the default: no prefix).
    if (options.prefix !== undefined && typeof options.prefix !== 'string')
      throw optionError({ where: WHERE }, 'prefix', 'a string', options.prefix);
    this.prefix = options.prefix ?? '';
    this.#acquireTimeout = durationSetting(WHERE, 'acquireTimeout', options.acquireTimeout, 250);
    this.#connectTimeout = settings.connectTimeout;
    this.#onError = onError;
    if ('client' in target) {
      const connection = new ClientConnection(target.client);
      this.#lease = { connection, release: () => connection.release() };
    } else {
      this.#lease = leaseConnection(target.url, settings);
    }
    this.#removeErrorListener = this.#lease.connection.onError(this.#onError);
  }

  /**
   * Tries to take the lock `key` for `ttlMs` (rounded up to a whole millisecond, at least 1).
   * See the class documentation for the three outcomes.
   */
  async acquire(key: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
    if (this.#closed) return this.#failOpen();
    const { connection } = this.#lease;
    if (!connection.isReady && !(await connection.ready(this.#connectTimeout))) {
      // Down (the outage is reported once by the connection): compute without the lock.
      return this.#failOpen();
    }
    const lockKey = this.prefix + key;
    const token = randomBytes(12).toString('base64url');
    const px = Math.max(1, Math.ceil(ttlMs));
    const attempt = connection.client.set(lockKey, token, 'PX', px, 'NX');
    const answer = await withDeadline(
      attempt.catch((error: unknown) => {
        // An error reply (OOM, READONLY on a replica, ...): compute without the lock.
        this.#onError(
          new Error(
            `acquiring lock '${lockKey}' failed (${errorMessage(error)}); computing without it`,
            { cause: error },
          ),
        );
        return FAILED;
      }),
      this.#acquireTimeout,
    );
    if (answer === TIMED_OUT) {
      // Too slow: the caller computes now. If the SET lands later, give the lock back at once
      // so other processes do not wait for a holder that is not computing under it.
      attempt.then(
        (late) => {
          if (late === 'OK') void this.#release(lockKey, token);
        },
        () => {},
      );
      return this.#failOpen();
    }
    if (answer === 'OK') {
      this.#stats.acquired += 1;
      let released = false;
      return () => {
        if (released) return Promise.resolve();
        released = true;
        return this.#release(lockKey, token);
      };
    }
    if (answer === null) {
      this.#stats.contended += 1;
      return null;
    }
    return this.#failOpen();
  }

  /** Figures since creation (a copy). */
  stats(): RedisLockStats {
    return { ...this.#stats };
  }

  /** Resolves `true` once the connection is up, or `false` after `timeout` (default 2 s). */
  async ready(timeout: Duration = 2_000): Promise<boolean> {
    return this.#lease.connection.ready(
      durationSetting('RedisLock.ready()', 'timeout', timeout, 2_000),
    );
  }

  /** Gives the shared connection back (the last user closes it). Idempotent; never rejects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#removeErrorListener();
    await this.#lease.release();
  }

  #failOpen(): () => Promise<void> {
    this.#stats.failedOpen += 1;
    return noopRelease;
  }

  async #release(lockKey: string, token: string): Promise<void> {
    if (this.#closed || !this.#lease.connection.isReady) return; // the lock expires by itself
    try {
      await this.#lease.connection.client.eval(RELEASE_SCRIPT, 1, lockKey, token);
    } catch (error) {
      this.#onError(
        new Error(
          `releasing lock '${lockKey}' failed (${errorMessage(error)}); it expires by itself`,
          {
            cause: error,
          },
        ),
      );
    }
  }
}
