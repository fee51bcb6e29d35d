/**
 * `redisStore(url)`: a keyv instance over `@keyv/redis` that behaves when Redis does not.
 *
 * Measured on keyv 5.6 + @keyv/redis 5.1.6 (PLATFORM.md): with Redis unreachable a plain
 * `createKeyv(url)` hangs `get`/`set` for 20 s and more; with `connectionTimeout` each call
 * pays it, and adds an `error` listener and an uncleared (process-holding) timer while Redis is
 * down; and `set()` resolves `true` though nothing was written. This store instead:
 *
 * - owns its node-redis client: connect timeout, no offline queue (a command issued while the
 *   connection is down fails at once instead of piling up), and a reconnect loop that never
 *   gives up (capped back-off), so caching resumes by itself;
 * - bounds commands without a timer per command: `@cached` already bounds every call with its
 *   `storeTimeout`, and node-redis's per-command timeout (an `AbortSignal.timeout()` each, a
 *   timer that always fires and allocates) doubled the GC time of a read. Commands carry that
 *   timeout only while the connection is stalled (a command has waited `commandTimeout` with no
 *   reply since), so a frozen Redis still cannot pile commands up in node-redis's queue;
 * - lets the calls of a process that just started wait for its first connection attempt
 *   (bounded by `connectTimeout`), so they read the shared tier instead of failing;
 * - rejects on failure (`throwOnErrors`) so the caller (`@cached`, which bounds every call with
 *   its `storeTimeout`) counts it as a miss and feeds its circuit breaker;
 * - reports a lost connection once per outage on the keyv `error` event (not once per command
 *   and per reconnect attempt: the registry turns each into an `E_STORE` event);
 * - shares one client per process per URL (and settings): `redisStore(url, { namespace: 'a' })`
 *   and `redisStore(url, { namespace: 'b' })` use one connection; it closes when the last keyv
 *   using it is disconnected (`registry.shutdown()` does that).
 *
 * Keys are `<namespace>::<key>`, prefixed once (keyv's own prefixing is off: no double prefix).
 * Values are strings, stored as they are: `@cached` hands already-encoded strings, and keyv's
 * JSON envelope around them (`{"value":"…","expires":…}`) cost a second parse per read and a
 * third more bytes (Redis expires the key itself). A value stored in that envelope by an older
 * version reads as a miss, never as an error or a wrong value.
 */
// The type users see comes from keyv itself (the class @keyv/redis re-exports): the published
// .d.ts then never pulls in @keyv/redis and node-redis typings, which TypeScript < 5.2 rejects.
// Both packages load on first use (peers.ts).
import type { Keyv } from 'keyv';
import type { Duration } from '../core/options.js';
import { withDeadline } from '../core/deadline.js';
import {
  checkRedisOptions,
  checkUrl,
  describeUrl,
  durationSetting,
  stringSetting,
} from './shared.js';
import { keyvRedis } from './peers.js';
import { errorMessage } from '../core/error-message.js';

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * Prefix of every key: `<namespace>::<key>`. Use one per application (or per test run)
   * sharing a Redis; `keyv.clear()` removes exactly this namespace (SCAN).
   *
   * @default 'hotpath'
   */
  namespace?: string;
  /**
   * How long connecting may take, and how long the first calls of a fresh process wait for the
   * first connection.
   *
   * @default '1s'
   */
  connectTimeout?: Duration;
  /**
   * Upper bound of one Redis command once the connection has stalled (a command waited this
   * long with no reply): from then until a reply arrives, commands carry node-redis's
   * `timeout`, which frees the command queue when Redis hangs. `@cached`'s `storeTimeout`
   * (250 ms) answers the caller first in any case.
   *
   * @default '1s'
   */
  commandTimeout?: Duration;
  /**
   * Longest pause between reconnect attempts (the back-off doubles from 50 ms up to this).
   * Bounds how long after Redis is back caching through it resumes.
   *
   * @default '1s'
   */
  maxReconnectDelay?: Duration;
}

const KNOWN = ['namespace', 'connectTimeout', 'commandTimeout', 'maxReconnectDelay'] as const;
const WHERE = 'redisStore';

/** The node-redis client of a store: see the module documentation for why these settings. */
function createNodeRedisClient(
  url: string,
  connectTimeout: number,
  maxReconnectDelay: number,
  closed: () => boolean,
) {
  return keyvRedis(WHERE).createClient({
    url,
    // Shows in CLIENT LIST which process holds which connection.
    name: `hotpath:store:${process.pid}`,
    disableOfflineQueue: true,
    socket: {
      connectTimeout,
      // Never give up (node-redis's default gives up on a socket timeout): back off from 50 ms
      // to `maxReconnectDelay` with a little jitter so many processes do not reconnect in step.
      // Once the last store let go, give up at the next failure: no reconnect loop after that.
      reconnectStrategy: (retries: number) =>
        closed()
          ? false
          : Math.min(50 * 2 ** retries, maxReconnectDelay) + Math.floor(Math.random() * 50),
    },
  });
}

type Client = ReturnType<typeof createNodeRedisClient>;

/** One node-redis client shared by every store of this process with the same URL and settings. */
interface SharedClient {
  readonly client: Client;
  /** The same client, its commands bounded by `commandTimeout` (used while stalled). */
  readonly timed: Client;
  readonly commandTimeout: number;
  /** Commands sent through a store and not answered yet. */
  pending: number;
  /** When the oldest unanswered command was sent, or the last reply arrived since (ms). */
  progressAt: number;
  readonly host: string;
  readonly connectTimeout: number;
  refs: number;
  /** Ready once at least once: from then on, "not ready" means an outage, so fail fast. */
  everReady: boolean;
  /** The first connection attempt is over (connected or failed): no more waiting for it. */
  firstAttemptOver: boolean;
  /** Resolves when the first connection attempt is over. */
  readonly firstAttempt: Promise<void>;
  /** Whether the outage in progress (if any) was already reported. */
  outageReported: boolean;
  /** A TCP connection is being made: node-redis has no socket to cut yet (see {@link cut}). */
  dialling: boolean;
  /** The last store let go: the client is closing or closed, and never reconnects. */
  closed: boolean;
  /** Adapters to tell about a lost connection. */
  readonly adapters: Set<(error: Error) => void>;
}

const clients = new Map<string, SharedClient>();

function openClient(
  poolKey: string,
  url: string,
  connectTimeout: number,
  commandTimeout: number,
  maxReconnectDelay: number,
): SharedClient {
  let endFirstAttempt!: () => void;
  const client = createNodeRedisClient(url, connectTimeout, maxReconnectDelay, () => shared.closed);
  const shared: SharedClient = {
    client,
    timed: client.withCommandOptions({ timeout: commandTimeout }) as unknown as Client,
    commandTimeout,
    pending: 0,
    progressAt: 0,
    host: describeUrl(url),
    connectTimeout,
    refs: 0,
    everReady: false,
    firstAttemptOver: false,
    firstAttempt: new Promise<void>((resolve) => (endFirstAttempt = resolve)),
    outageReported: false,
    dialling: true,
    closed: false,
    adapters: new Set(),
  };
  const over = (): void => {
    shared.firstAttemptOver = true;
    endFirstAttempt();
  };
  const report = (error: unknown): void => {
    shared.dialling = false;
    over();
    if (shared.outageReported || shared.closed) return;
    shared.outageReported = true;
    const cause = errorMessage(error);
    const lost = new Error(
      shared.everReady
        ? `lost the connection to Redis at ${shared.host} (${cause}); reconnecting in the background`
        : `cannot connect to Redis at ${shared.host} (${cause}); retrying in the background`,
      { cause: error },
    );
    for (const tell of shared.adapters) tell(lost);
  };
  // node-redis emits `error` on every failed (re)connect attempt; without a listener that
  // would crash the process. Report once per outage. It stays after closing, for the same reason.
  client.on('error', report);
  // Every attempt starts with `reconnecting` (the first with `connect()` below) and ends its TCP
  // part with `connect` (connected) or `error`.
  client.on('reconnecting', () => (shared.dialling = true));
  client.on('connect', () => (shared.dialling = false));
  client.on('ready', () => {
    shared.everReady = true;
    shared.outageReported = false;
    over();
  });
  // The connect promise settles only when connected (or given up): never awaited, never unhandled.
  client.connect().catch(() => {});
  clients.set(poolKey, shared);
  return shared;
}

/**
 * Closes the client of the last store that let go; resolves within the connect timeout, and
 * then no socket or reconnect timer of it keeps the process alive (node-redis's own back-off
 * pause, at most `maxReconnectDelay`, still runs out when Redis was down).
 */
async function releaseClient(poolKey: string, shared: SharedClient): Promise<void> {
  shared.refs -= 1;
  if (shared.refs > 0) return;
  if (clients.get(poolKey) === shared) clients.delete(poolKey);
  shared.closed = true;
  const { client } = shared;
  if (client.isReady) {
    // Lets the replies to commands in flight (a write) arrive first: Redis answers in order, so
    // once this PING is answered nothing is left. Bounded: a frozen Redis never answers. Not
    // QUIT or `close()`: after those node-redis refuses `destroy()`, and a frozen Redis would
    // keep the socket open for as long as it stays frozen.
    await withDeadline(
      client.ping().catch(() => {}),
      shared.connectTimeout,
    );
  }
  cut(shared);
}

/** Destroys the client's socket, now or (while it is still being dialled) once it is connected. */
function cut(shared: SharedClient): void {
  const { client } = shared;
  if (shared.dialling) {
    // node-redis's `destroy()` misses a socket whose TCP connection is still being made: that
    // socket then connects and completes the handshake as if nothing happened, and keeps the
    // process alive forever (a registry shut down right after it was created hung every time).
    // Cut it once connected; if the attempt fails instead, the reconnect strategy gives up.
    client.once('connect', () => {
      if (client.isOpen) client.destroy();
    });
    return;
  }
  if (client.isOpen) client.destroy();
}

/**
 * Runs `create` (which builds a `KeyvRedis` adapter over `client`) and takes off the client
 * again every listener it added. The adapter adds four (`error`, `connect`, `disconnect`,
 * `reconnecting`, to re-emit them) per store and never removes them: on the shared client they
 * piled up (52 `error` listeners after 50 stores were created and disconnected, with a
 * MaxListenersExceededWarning from the 11th) and kept every disconnected store reachable.
 * Nothing needs them: outages reach each store through the shared client's own report.
 */
function withoutClientListeners<T>(client: Client, create: () => T): T {
  const before = new Map(client.eventNames().map((event) => [event, client.listeners(event)]));
  const created = create();
  for (const event of client.eventNames()) {
    const had = before.get(event) ?? [];
    for (const listener of client.listeners(event)) {
      if (!had.includes(listener)) client.off(event, listener as (...args: unknown[]) => void);
    }
  }
  return created;
}

/** Whether a command has waited `commandTimeout` with no reply since it was sent. */
function stalled(shared: SharedClient): boolean {
  return shared.pending > 0 && Date.now() - shared.progressAt >= shared.commandTimeout;
}

/** Counts `command` as unanswered until it settles (see {@link stalled}). */
function tracked<T>(shared: SharedClient, command: Promise<T>): Promise<T> {
  if (shared.pending++ === 0) shared.progressAt = Date.now();
  const settled = (): void => {
    shared.pending--;
    shared.progressAt = Date.now();
  };
  return command.then(
    (value) => {
      settled();
      return value;
    },
    (error: unknown) => {
      settled();
      throw error;
    },
  );
}

/** keyv's `serialize`: the string itself, no envelope (Redis expires the key). */
function serializeRaw(data: { value?: unknown }): string {
  const { value } = data;
  if (typeof value !== 'string') {
    throw new TypeError(`redisStore stores strings, got ${typeof value}`);
  }
  return value;
}

/**
 * keyv's `deserialize`: what was stored, as keyv's record. A value in keyv's own envelope (what
 * an older version wrote) is a miss: its `value` could be any JSON, not one of ours.
 */
function deserializeRaw<Value>(text: string): { value: Value } | undefined {
  return text.startsWith('{"value":') ? undefined : { value: text as Value };
}

/**
 * A keyv instance over Redis at `url` for `createHotpath({ stores: { redis: redisStore(url) } })`.
 *
 * Defaults: namespace `'hotpath'`, connect timeout 1 s, command timeout 1 s, reconnect back-off
 * 50 ms doubling up to 1 s, forever. Calls reject (never hang) while Redis is unreachable;
 * keyv's `error` event reports each outage once. One connection per process per URL and
 * settings, whatever the namespace; `await keyv.disconnect()` releases it (the last release
 * closes it). Throws a `TypeError` for a bad URL or option.
 *
 * @example
 * const registry = createHotpath({ stores: { redis: redisStore(process.env.REDIS_URL!) } });
 */
export function redisStore(url: string, options?: RedisStoreOptions): Keyv<string> {
  checkUrl(WHERE, url, 'redisStore(url, options)');
  checkRedisOptions(WHERE, options, KNOWN);
  const namespace = stringSetting(WHERE, 'namespace', options?.namespace, 'hotpath');
  const connectTimeout = durationSetting(WHERE, 'connectTimeout', options?.connectTimeout, 1_000);
  const commandTimeout = durationSetting(WHERE, 'commandTimeout', options?.commandTimeout, 1_000);
  const maxReconnectDelay = durationSetting(
    WHERE,
    'maxReconnectDelay',
    options?.maxReconnectDelay,
    1_000,
  );
  // Before any connection is attempted: a missing package is named here.
  const { Keyv, KeyvRedis } = keyvRedis(WHERE);

  const poolKey = `${url}|${connectTimeout}|${commandTimeout}|${maxReconnectDelay}`;
  const shared =
    clients.get(poolKey) ??
    openClient(poolKey, url, connectTimeout, commandTimeout, maxReconnectDelay);
  shared.refs += 1;

  const adapter = withoutClientListeners(
    shared.client,
    () => new KeyvRedis<string>(shared.client, { namespace, throwOnErrors: true }),
  );
  // The adapter forwards every failed command to keyv's `error` event; the caller already sees
  // failed commands as rejections, and outages are reported once by the shared client. Only
  // those reports pass.
  let reporting = false;
  const emit = adapter.emit.bind(adapter);
  adapter.emit = (event: string | symbol, ...args: unknown[]): boolean =>
    event === 'error' && !reporting ? false : emit(event as string, ...args);
  const tell = (error: Error): void => {
    reporting = true;
    try {
      emit('error', error);
    } finally {
      reporting = false;
    }
  };
  shared.adapters.add(tell);

  // The adapter's own getClient() reconnects a closed client on every call, adding listeners
  // and an uncleared timer each time. The shared client reconnects by itself: only wait for
  // the first connection attempt of a fresh process, else fail fast while Redis is away.
  let released = false;
  const getClient = async (): Promise<Client> => {
    const { client } = shared;
    if (released || !client.isOpen)
      throw new Error(`redisStore: the store for ${shared.host} was disconnected`);
    if (client.isReady) return stalled(shared) ? shared.timed : client;
    if (!shared.firstAttemptOver) {
      await withDeadline(shared.firstAttempt, connectTimeout);
      if (client.isReady) return stalled(shared) ? shared.timed : client;
    }
    throw new Error(`Redis at ${shared.host} is unreachable (reconnecting in the background)`);
  };
  (adapter as unknown as { getClient: () => Promise<Client> }).getClient = getClient;
  adapter.disconnect = async (): Promise<void> => {
    if (released) return;
    released = true;
    shared.adapters.delete(tell);
    await releaseClient(poolKey, shared);
  };

  // Every command a store sends goes through these: they count what is unanswered (stalled()).
  for (const op of ['get', 'getMany', 'set', 'setMany', 'delete', 'deleteMany', 'has'] as const) {
    const run = (adapter as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
      op
    ];
    if (typeof run !== 'function') continue;
    (adapter as unknown as Record<string, unknown>)[op] = (...args: unknown[]) =>
      tracked(shared, run.apply(adapter, args));
  }

  const keyv = new Keyv<string>(adapter, {
    namespace,
    useKeyPrefix: false,
    throwOnErrors: true,
    serialize: serializeRaw,
    deserialize: deserializeRaw,
  });
  // keyv is an EventEmitter: an unheard `error` would crash the process. The registry adds its
  // own listener (E_STORE events); this one only keeps a store used outside a registry safe.
  keyv.on('error', () => {});
  return keyv;
}
