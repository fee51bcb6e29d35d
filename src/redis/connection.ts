/**
 * ioredis connections for the bus and the lock: settings that fail fast instead of hanging,
 * a reconnect loop that never gives up, one outage report per outage, and one command
 * connection per process per URL shared by every bus publisher and lock.
 */
import type { Redis, RedisOptions } from 'ioredis';
import {
  configError,
  describeValue,
  functionOption,
  optionError,
  type Duration,
} from '../core/options.js';
import { TIMED_OUT, withDeadline } from '../core/deadline.js';
import { checkRedisOptions, checkUrl, describeUrl, durationSetting, warnOnce } from './shared.js';
import { ioredis } from './peers.js';
import { errorMessage } from '../core/error-message.js';

/** The options every Redis integration with its own connection takes (`RedisBus`, `RedisLock`). */
export interface RedisConnectionOptions {
  /** Redis URL (`redis://` or `rediss://`). Required. */
  url: string;
  /**
   * How long connecting may take.
   *
   * @default '1s'
   */
  connectTimeout?: Duration;
  /**
   * Upper bound of one command on the connection.
   *
   * @default '1s'
   */
  commandTimeout?: Duration;
  /**
   * Longest pause between reconnect attempts (doubling from 50 ms).
   *
   * @default '1s'
   */
  maxReconnectDelay?: Duration;
  /**
   * Receives connection losses (once per outage) and failed commands.
   *
   * @default undefined (a process warning, once per kind)
   */
  onError?: (error: Error) => void;
}

/** The names of {@link RedisConnectionOptions}, for the unknown-option check. */
export const CONNECTION_OPTIONS = [
  'url',
  'connectTimeout',
  'commandTimeout',
  'maxReconnectDelay',
  'onError',
] as const;

/**
 * Validates the options of a `RedisBus` or `RedisLock` (`where` starts the messages, `known`
 * lists every option it takes) and returns the URL, the connection settings in ms and the error
 * reporter: the user's `onError`, else (or when it throws) a once-per-kind process warning
 * prefixed with `label`.
 */
export function resolveConnection(
  where: string,
  label: string,
  options: RedisConnectionOptions,
  known: readonly string[],
): { url: string; settings: ConnectionSettings; onError: (error: Error) => void } {
  if (typeof options === 'string') {
    // The store takes its URL first; these take it inside their options.
    const call = where.replace('()', `({ url: ${describeValue(options)} })`);
    throw configError(
      { where },
      `options must be an object, got ${describeValue(options)} (did you mean \`${call}\`?)`,
    );
  }
  checkRedisOptions(where, options, known);
  if (options === undefined) throw configError({ where }, 'options with a `url` are required');
  const url = checkUrl(where, options.url);
  // Before any connection is attempted: a missing package is named at construction.
  ioredis(where);
  return { url, ...connectionSettings(where, label, options) };
}

/**
 * Like {@link resolveConnection}, for an integration given the user's own ioredis client
 * (`client`: a `Redis`, Sentinel-managed or not, or a `Cluster`) instead of a `url`.
 */
export function resolveClientConnection(
  where: string,
  label: string,
  options: Omit<RedisConnectionOptions, 'url'> & { url?: unknown; client?: unknown },
  known: readonly string[],
): { client: RedisCommandClient; settings: ConnectionSettings; onError: (error: Error) => void } {
  checkRedisOptions(where, options, known);
  if (options.url !== undefined) {
    throw configError({ where }, 'takes `url` or `client`, not both');
  }
  const client = options.client as Record<string, unknown> | null;
  if (
    client === null ||
    typeof client !== 'object' ||
    typeof client.status !== 'string' ||
    !CLIENT_METHODS.every((method) => typeof client[method] === 'function')
  ) {
    throw optionError(
      { where },
      'client',
      'an ioredis client (a `Redis`, with or without Sentinel, or a `Cluster`)',
      options.client,
    );
  }
  return {
    client: client as unknown as RedisCommandClient,
    ...connectionSettings(where, label, options),
  };
}

/** What every ioredis `Redis` and `Cluster` has and the lock or the bus uses. */
const CLIENT_METHODS = ['set', 'eval', 'publish', 'spublish', 'duplicate', 'on', 'off'] as const;

/** The validated timeouts and the error reporter of a connection's options. */
function connectionSettings(
  where: string,
  label: string,
  options: Omit<RedisConnectionOptions, 'url'>,
): { settings: ConnectionSettings; onError: (error: Error) => void } {
  const settings: ConnectionSettings = {
    connectTimeout: durationSetting(where, 'connectTimeout', options.connectTimeout, 1_000),
    commandTimeout: durationSetting(where, 'commandTimeout', options.commandTimeout, 1_000),
    maxReconnectDelay: durationSetting(
      where,
      'maxReconnectDelay',
      options.maxReconnectDelay,
      1_000,
    ),
  };
  const listener = functionOption<(error: Error) => void>({ where }, 'onError', options.onError);
  const onError = (error: Error): void => {
    if (listener) {
      try {
        listener(error);
        return;
      } catch {
        // A throwing listener must not break the connection's work: fall through to the warning.
      }
    }
    warnOnce(`${label}:${error.message.split(' (')[0]}`, `${label}: ${error.message}`);
  };
  return { settings, onError };
}

/**
 * What hotpath needs of a user's ioredis client (`Redis` or `Cluster`), structurally, so that
 * the types of `hotpath/redis` do not require ioredis.
 */
export interface RedisCommandClient {
  /** `'ready'` when commands can be sent (ioredis's connection status). */
  readonly status: string;
  /** `SET key value PX ms NX`: takes a lock. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  set(...args: any[]): Promise<unknown>;
  /** `EVAL script 1 key token`: releases a lock. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  eval(...args: any[]): Promise<unknown>;
  /** `PUBLISH channel message`: the bus on a Redis (Sentinel-managed or not). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  publish(...args: any[]): Promise<unknown>;
  /** `SPUBLISH channel message`: the bus on a Cluster (sharded pub/sub). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spublish(...args: any[]): Promise<unknown>;
  /** A new connection with the same settings: the bus's subscriber on a Redis. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  duplicate(...args: any[]): unknown;
  /** Listens to `ready` and `error`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  /** Stops listening. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  off(event: string, listener: (...args: any[]) => void): unknown;
}

/**
 * Where a {@link RedisConnection} connects when it is not a URL: the bus's subscriber on the
 * user's client (a duplicate of a Sentinel-managed `Redis`, or a connection to the master of a
 * cluster slot, made with the cluster's node settings).
 */
export interface ConnectionSource {
  /** Names the server in messages (never a password). */
  readonly host: string;
  /** Opens the ioredis client with hotpath's settings (`options`, which win over the client's). */
  open(options: RedisOptions): Redis;
  /**
   * Called before each reconnect attempt, e.g. to aim the client at the node that serves a
   * cluster slot now.
   */
  beforeReconnect?(client: Redis): void;
}

/** Connection settings, already validated, in milliseconds. */
export interface ConnectionSettings {
  readonly connectTimeout: number;
  readonly commandTimeout: number;
  readonly maxReconnectDelay: number;
}

/** How ioredis reports a reply that answers no command it sent. */
export const UNASKED_REPLY = 'Command queue state error';

/**
 * One ioredis client plus what the integrations need to know about it: whether it is usable
 * now, and a single report per outage.
 */
export class RedisConnection {
  /** The ioredis client. No offline queue: a command sent while disconnected fails at once. */
  readonly client: Redis;
  /** `host:port`, for messages. */
  readonly host: string;
  readonly #settings: ConnectionSettings;
  #everReady = false;
  #firstAttemptOver = false;
  #endFirstAttempt!: () => void;
  readonly #firstAttempt = new Promise<void>((resolve) => (this.#endFirstAttempt = resolve));
  #outageReported = false;
  #closed = false;
  readonly #errorListeners = new Set<(error: Error) => void>();
  readonly #readyListeners = new Set<(first: boolean) => void>();

  /** Connects to `source`: a URL, or a {@link ConnectionSource} (the bus on the user's client). */
  constructor(source: string | ConnectionSource, settings: ConnectionSettings, subscriber = false) {
    this.#settings = settings;
    const url = typeof source === 'string' ? source : undefined;
    const from: ConnectionSource =
      url === undefined
        ? (source as ConnectionSource)
        : {
            host: describeUrl(url),
            // Loaded (and checked) by resolveConnection() already.
            open: (options) => new (ioredis('hotpath/redis').Redis)(url, options),
          };
    this.host = from.host;
    this.client = from.open({
      // Shows in CLIENT LIST which process holds which connection.
      connectionName: `hotpath:${subscriber ? 'bus' : 'cmd'}:${process.pid}`,
      connectTimeout: settings.connectTimeout,
      // ioredis arms this (ref'd) timer on disconnect() and never clears it when the socket was
      // already gone (a refused reconnect): the default 2 s kept closed processes alive.
      disconnectTimeout: 200,
      // TCP keep-alive probes after 5 s idle (node-redis's default, which the store uses), so a
      // connection that died silently is noticed in minutes rather than hours.
      keepAlive: 5_000,
      // A subscriber connection only waits for messages: a command timeout would not apply.
      commandTimeout: subscriber ? undefined : settings.commandTimeout,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // Subscriptions are restored by their owner on `ready`, who also knows to resync then.
      autoResubscribe: false,
      // `null` once closed: a `disconnect()` that raced a pending reconnect (the socket closing
      // while `close()` waited on QUIT) must not leave a reconnect loop keeping the process alive.
      retryStrategy: (times: number) => {
        if (this.#closed) return null;
        from.beforeReconnect?.(this.client);
        return (
          Math.min(50 * 2 ** times, settings.maxReconnectDelay) + Math.floor(Math.random() * 50)
        );
      },
      // A duplicate of a lazy client must still connect now.
      lazyConnect: false,
    });
    // ioredis prints "Unhandled error event" for each failed attempt without a listener.
    this.client.on('error', (error: unknown) => {
      // On a subscriber, a reply nobody asked for: an unsubscribe pushed by the server (a
      // cluster slot moved). The connection is fine; the bus resubscribes and reports it.
      if (subscriber && errorMessage(error).startsWith(UNASKED_REPLY)) return;
      this.#lost(error);
    });
    this.client.on('close', () => {
      if (this.#everReady) this.#lost(new Error('connection closed'));
    });
    this.client.on('ready', () => {
      const first = !this.#everReady;
      this.#everReady = true;
      this.#outageReported = false;
      this.#over();
      for (const listener of this.#readyListeners) listener(first);
    });
  }

  #over(): void {
    if (this.#firstAttemptOver) return;
    this.#firstAttemptOver = true;
    this.#endFirstAttempt();
  }

  #lost(error: unknown): void {
    this.#over();
    if (this.#outageReported || this.client.status === 'end') return;
    this.#outageReported = true;
    const cause = errorMessage(error);
    const lost = new Error(
      this.#everReady
        ? `lost the connection to Redis at ${this.host} (${cause}); reconnecting in the background`
        : `cannot connect to Redis at ${this.host} (${cause}); retrying in the background`,
      { cause: error },
    );
    for (const listener of this.#errorListeners) listener(lost);
  }

  /** Whether commands can be sent now. */
  get isReady(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Resolves `true` when commands can be sent. A fresh connection's first attempt is waited for
   * (at most `ms`); during an outage it answers `false` at once, so callers fall back instead of
   * queueing behind a dead server.
   */
  async ready(ms: number): Promise<boolean> {
    if (this.isReady) return true;
    if (!this.#firstAttemptOver) await withDeadline(this.#firstAttempt, ms);
    return this.isReady;
  }

  /** Calls `listener` once per outage (and once if the first connection fails). Returns a remover. */
  onError(listener: (error: Error) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /** Calls `listener(first)` each time the connection becomes ready. Returns a remover. */
  onReady(listener: (first: boolean) => void): () => void {
    this.#readyListeners.add(listener);
    return () => this.#readyListeners.delete(listener);
  }

  /**
   * QUITs (bounded by the connect timeout), then cuts the connection: its socket is gone at
   * most `disconnectTimeout` (200 ms) later, whatever state Redis is in. Never rejects.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#errorListeners.clear();
    this.#readyListeners.clear();
    if (this.client.status === 'end') return;
    if (this.isReady) {
      // A QUIT that fails (its command timeout on a frozen Redis) must still lead to the cut.
      const quit = await withDeadline(
        this.client.quit().catch(() => TIMED_OUT),
        this.#settings.connectTimeout,
      );
      // `quit()` moved the status on: re-read it, whatever TypeScript narrowed it to.
      if (quit !== TIMED_OUT && (this.client.status as string) === 'end') return;
    }
    this.client.disconnect(false);
  }
}

interface Pooled {
  readonly connection: RedisConnection;
  refs: number;
}

const pool = new Map<string, Pooled>();

/** A shared command connection and the function that gives it back. */
export interface Lease {
  readonly connection: RedisConnection;
  /** Gives the connection back; the last lease closes it. Idempotent, never rejects. */
  release(): Promise<void>;
}

/**
 * The command connection for `url` and `settings`, shared within the process (bus publishers,
 * locks). Each lease must be released; the last release closes the connection.
 */
export function leaseConnection(url: string, settings: ConnectionSettings): Lease {
  const key = `${url}|${settings.connectTimeout}|${settings.commandTimeout}|${settings.maxReconnectDelay}`;
  let pooled = pool.get(key);
  if (!pooled) {
    pooled = { connection: new RedisConnection(url, settings), refs: 0 };
    pool.set(key, pooled);
  }
  pooled.refs += 1;
  const entry = pooled;
  let released = false;
  return {
    connection: entry.connection,
    async release() {
      if (released) return;
      released = true;
      entry.refs -= 1;
      if (entry.refs > 0) return;
      if (pool.get(key) === entry) pool.delete(key);
      await entry.connection.close();
    },
  };
}
