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
 * `redisStore({ client })` runs on the user's own node-redis client instead (a Redis Cluster,
 * Sentinel, or a client with their own TLS and auth settings), without owning it: see
 * store-client.ts for what the store adds on top of it. Why not own a cluster connection made
 * from node lists: a cluster or Sentinel deployment comes with settings of its own (TLS,
 * passwords, `nodeAddressMap`, `useReplicas`, RESP) that the user's client already has, and
 * what an owned connection would add (no offline queue filling up, bounded waits, one report
 * per outage, no listener left behind) the store does over any client.
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
import { configError, optionError } from '../core/options.js';
import { StoreClient, storeClientKind, type RedisStoreClient } from './store-client.js';
import { errorMessage } from '../core/error-message.js';
import { provideDirectGet } from '../cached/direct-get.js';
import { batchedGet, type BatchSender } from './batched-get.js';

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
function stalled(shared: Progress): boolean {
  return shared.pending > 0 && Date.now() - shared.progressAt >= shared.commandTimeout;
}

/** Counts `command` as unanswered until it settles (see {@link stalled}). */
function tracked<T>(shared: Progress, command: Promise<T>): Promise<T> {
  if (shared.pending++ === 0) shared.progressAt = Date.now();
  return command.then(
    (value) => {
      settled(shared);
      return value;
    },
    (error: unknown) => {
      settled(shared);
      throw error;
    },
  );
}

/**
 * A command counted by {@link tracked} settled. A function of its own, not a closure per
 * command: under tsx (benches, tests) each named closure costs a `defineProperty` call.
 */
function settled(shared: { pending: number; progressAt: number }): void {
  shared.pending--;
  shared.progressAt = Date.now();
}

/** keyv's `serialize`: the string itself, no envelope (Redis expires the key). */
function serializeRaw(data: { value?: unknown }): string {
  const { value } = data;
  if (typeof value !== 'string') {
    throw new TypeError(`redisStore stores strings, got ${typeof value}`);
  }
  return value;
}

/** What keyv.get() answers for `text` read by the adapter (see {@link deserializeRaw}). */
function rawText(text: string | undefined): string | undefined {
  return text === undefined ? undefined : readAnswer(text);
}

/** What keyv.get() answers for a stored string (see {@link deserializeRaw}). */
function readAnswer(text: string): string | undefined {
  return deserializeRaw<string>(text)?.value;
}

/** The `GET`s and `MGET`s of a store's batched reads, refused and counted as every command. */
function readSender(
  conn: StoreConnection,
  released: () => boolean,
  disconnected: () => Error,
): BatchSender {
  // No keys for the connection to check: batches are never sent to a cluster.
  const afterWait = async <T>(send: (client: Client) => Promise<T>): Promise<T> => {
    if (released()) throw disconnected();
    const client = (await conn.client()) as Client;
    const answer = await tracked(conn.progress, send(client));
    conn.answered?.();
    return answer;
  };
  // A client that can take the command now is used at once: no promise and no await on the
  // way (one at a time, each read is a batch of its own and paid them all).
  const send = <T>(command: (client: Client) => Promise<T>): Promise<T> => {
    const client = released() ? undefined : (conn.now?.() as Client | undefined);
    return client === undefined ? afterWait(command) : tracked(conn.progress, command(client));
  };
  return {
    one: (key) => send((client) => client.get(key)),
    many: (keys) => send((client) => client.mGet(keys)),
  };
}

/**
 * keyv's `deserialize`: what was stored, as keyv's record. A value in keyv's own envelope (what
 * an older version wrote) is a miss: its `value` could be any JSON, not one of ours.
 */
function deserializeRaw<Value>(text: string): { value: Value } | undefined {
  return text.startsWith('{"value":') ? undefined : { value: text as Value };
}

/** Options of {@link redisStore} given your own node-redis client (`redisStore({ client })`). */
export interface RedisStoreClientOptions {
  /**
   * Your own node-redis 5 client, connected by you (`await client.connect()`): `createCluster()`
   * for a Redis Cluster, `createSentinel()` behind Sentinel, or a plain `createClient()` (all
   * three are re-exported by `@keyv/redis`). hotpath never connects or closes it. Calls are
   * refused at once (misses) while it, or on a cluster the master serving the key, is not
   * connected; on a cluster that also makes the client read the topology again, which finds a
   * promoted replica (node-redis alone does that only on a `MOVED` reply).
   */
  client: RedisStoreClient;
  /**
   * Prefix of every key: `<namespace>::<key>`, as with a URL.
   *
   * @default 'hotpath'
   */
  namespace?: string;
  /**
   * How long the first calls of a fresh store wait for the client to be ready.
   *
   * @default '1s'
   */
  connectTimeout?: Duration;
  /**
   * As with a URL: once a command waited this long with no reply, commands carry node-redis's
   * `timeout` until a reply arrives, which frees the client's queue when Redis hangs.
   *
   * @default '1s'
   */
  commandTimeout?: Duration;
}

const KNOWN_CLIENT = ['client', 'namespace', 'connectTimeout', 'commandTimeout'] as const;

/** What the commands of a store count, for {@link stalled}. */
interface Progress {
  readonly commandTimeout: number;
  pending: number;
  progressAt: number;
}

/** How a store built by {@link storeKeyv} gets its client and lets it go. */
interface StoreConnection {
  readonly progress: Progress;
  /** Where the store's Redis is, for messages. */
  readonly host: string;
  /**
   * The client to send a command with; rejects when it cannot. A connection that
   * {@link checksKeys} is given the (prefixed) keys the command touches.
   */
  client(keys?: readonly string[]): Promise<unknown>;
  /** Whether {@link client} needs the keys (a cluster's slots): costs an array per command. */
  readonly checksKeys?: boolean;
  /**
   * The client to send a command with when it can take one at once (else undefined: then
   * {@link client} waits or refuses). Only on a connection without {@link answered}.
   */
  now?(): unknown;
  /** Whether reads may leave batched as one `MGET` (batched-get.ts): not on a cluster. */
  readonly batchesReads: boolean;
  /** A command was answered (or failed with a reply). */
  answered?(): void;
  /** Called once by `keyv.disconnect()`. */
  release(): Promise<void>;
}

/** The prefixed keys of a keyv adapter call `op(...args)`, for {@link StoreConnection.client}. */
function keysOf(op: string, args: unknown[], prefix: (key: string) => string): string[] {
  const [first] = args;
  if (op === 'setMany') return (first as { key: string }[]).map((e) => prefix(e.key));
  if (Array.isArray(first)) return (first as string[]).map(prefix);
  return [prefix(first as string)];
}

/**
 * The keyv over `client` (a node-redis client of any kind) for `namespace`: strings stored
 * raw, errors filtered to one report per outage (`tell` is handed the reporter), every command
 * counted and sent through `connection`.
 */
function storeKeyv(
  client: unknown,
  namespace: string,
  connection: (tell: (error: Error) => void) => StoreConnection,
): Keyv<string> {
  const { Keyv, KeyvRedis } = keyvRedis(WHERE);
  const adapter = withoutClientListeners(
    client as Client,
    () => new KeyvRedis<string>(client as Client, { namespace, throwOnErrors: true }),
  );
  // The adapter forwards every failed command to keyv's `error` event; the caller already sees
  // failed commands as rejections, and outages are reported once by the connection. Only
  // those reports pass.
  let reporting = false;
  const emit = adapter.emit.bind(adapter);
  adapter.emit = (event: string | symbol, ...args: unknown[]): boolean =>
    event === 'error' && !reporting ? false : emit(event as string, ...args);
  const conn = connection((error: Error): void => {
    reporting = true;
    try {
      emit('error', error);
    } finally {
      reporting = false;
    }
  });

  // The adapter's own getClient() (re)connects a closed client on every call, adding
  // listeners and an uncleared timer each time. The connection knows instead whether a command
  // can be answered now, and refuses it otherwise.
  let released = false;
  const disconnected = (): Error =>
    new Error(`redisStore: the store for ${conn.host} was disconnected`);
  const prefix = (key: string): string => `${namespace}::${key}`;
  let target: unknown;
  (adapter as unknown as { getClient: () => Promise<unknown> }).getClient = conn.checksKeys
    ? async () => target
    : async () => {
        if (released) throw disconnected();
        return conn.client();
      };
  adapter.disconnect = async (): Promise<void> => {
    if (released) return;
    released = true;
    await conn.release();
  };

  // Every command a store sends goes through these: they count what is unanswered (stalled()),
  // and a connection that checks keys is asked first.
  for (const op of ['get', 'getMany', 'set', 'setMany', 'delete', 'deleteMany', 'has'] as const) {
    const run = (adapter as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
      op
    ];
    if (typeof run !== 'function') continue;
    (adapter as unknown as Record<string, unknown>)[op] = conn.checksKeys
      ? async (...args: unknown[]) => {
          if (released) throw disconnected();
          // Read by the adapter's getClient() in the same tick as it is set (the adapter calls
          // it first thing): concurrent commands never see each other's client.
          target = await conn.client(keysOf(op, args, prefix));
          const answer = await tracked(conn.progress, run.apply(adapter, args));
          conn.answered?.();
          return answer;
        }
      : (...args: unknown[]) => tracked(conn.progress, run.apply(adapter, args));
  }

  const keyv = new Keyv<string>(adapter, {
    namespace,
    useKeyPrefix: false,
    throwOnErrors: true,
    serialize: serializeRaw,
    deserialize: deserializeRaw,
  });
  // `@cached` reads without keyv's per-call layers (measured: about 0.5 µs of a read's CPU):
  // the answer of keyv.get(), counted as every command is. On one server, the reads of a turn
  // leave as one MGET (batched-get.ts); on a cluster, through the adapter's own get.
  provideDirectGet(
    keyv,
    conn.batchesReads
      ? batchedGet(
          readSender(conn, () => released, disconnected),
          prefix,
          readAnswer,
        )
      : (key) => adapter.get(key).then(rawText),
  );
  // keyv is an EventEmitter: an unheard `error` would crash the process. The registry adds its
  // own listener (E_STORE events); this one only keeps a store used outside a registry safe.
  keyv.on('error', () => {});
  return keyv;
}

/**
 * A keyv instance over Redis for `createHotpath({ stores: { redis: redisStore(url) } })`.
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
export function redisStore(url: string, options?: RedisStoreOptions): Keyv<string>;
/**
 * A keyv instance over your own node-redis client: a Redis Cluster (`createCluster()`),
 * Sentinel (`createSentinel()`) or any `createClient()` you configured yourself (see
 * {@link RedisStoreClientOptions}). hotpath never connects or closes it; `keyv.disconnect()`
 * (`registry.shutdown()`) only stops listening to it. On a cluster every command the store sends
 * touches one key (GET, SET, UNLINK; elsewhere, reads issued together leave as one MGET), so
 * none spans two slots and keys need no hash tags: `@cached`'s tags,
 * `clear()` and `registry.invalidate()` write single keys (marks), never a SCAN. Throws a
 * `TypeError` for a bad client or option.
 *
 * @example
 * const cluster = createCluster({ rootNodes: [{ url: 'redis://redis-1:6379' }] });
 * await cluster.connect();
 * const registry = createHotpath({ stores: { redis: redisStore({ client: cluster }) } });
 */
export function redisStore(options: RedisStoreClientOptions): Keyv<string>;
export function redisStore(
  target: string | RedisStoreClientOptions,
  options?: RedisStoreOptions,
): Keyv<string> {
  if (target !== null && typeof target === 'object' && 'client' in target) {
    if (options !== undefined) {
      throw configError(
        { where: WHERE },
        'takes `redisStore({ client, ...options })`: one object, not a second argument',
      );
    }
    return clientStore(target);
  }
  return urlStore(target as string, options);
}

/** `redisStore({ client })`: see {@link RedisStoreClientOptions}. */
function clientStore(options: RedisStoreClientOptions): Keyv<string> {
  checkRedisOptions(WHERE, options, KNOWN_CLIENT);
  const client = options.client as unknown as Record<string, unknown> | null;
  if (
    client === null ||
    typeof client !== 'object' ||
    typeof client.isOpen !== 'boolean' ||
    typeof client.get !== 'function' ||
    typeof client.set !== 'function' ||
    typeof client.withCommandOptions !== 'function' ||
    typeof client.on !== 'function' ||
    typeof client.off !== 'function'
  ) {
    throw optionError(
      { where: WHERE },
      'client',
      'a node-redis client (`createClient()`, `createCluster()` or `createSentinel()`, re-exported by @keyv/redis)',
      options.client,
      typeof client?.status === 'string'
        ? 'an ioredis client? redisStore needs node-redis'
        : undefined,
    );
  }
  const namespace = stringSetting(WHERE, 'namespace', options.namespace, 'hotpath');
  const settings = {
    connectTimeout: durationSetting(WHERE, 'connectTimeout', options.connectTimeout, 1_000),
    commandTimeout: durationSetting(WHERE, 'commandTimeout', options.commandTimeout, 1_000),
  };
  const kind = storeClientKind(client);
  return storeKeyv(client, namespace, (tell) => {
    const user = new StoreClient(options.client, kind, settings, tell);
    return {
      progress: user,
      host: user.host,
      checksKeys: true,
      batchesReads: kind !== 'cluster',
      async client(keys = []) {
        await user.ready(keys);
        return stalled(user) ? user.timed : user.client;
      },
      answered: () => user.succeeded(),
      async release() {
        user.release();
      },
    };
  });
}

/** `redisStore(url, options)`: a client of hotpath's own, shared per URL and settings. */
function urlStore(url: string, options?: RedisStoreOptions): Keyv<string> {
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
  keyvRedis(WHERE);

  const poolKey = `${url}|${connectTimeout}|${commandTimeout}|${maxReconnectDelay}`;
  const shared =
    clients.get(poolKey) ??
    openClient(poolKey, url, connectTimeout, commandTimeout, maxReconnectDelay);
  shared.refs += 1;

  return storeKeyv(shared.client, namespace, (tell) => {
    shared.adapters.add(tell);
    // Only wait for the first connection attempt of a fresh process, else fail fast while
    // Redis is away: the shared client reconnects by itself.
    return {
      progress: shared,
      host: shared.host,
      batchesReads: true,
      now() {
        const { client } = shared;
        if (!client.isOpen || !client.isReady) return undefined;
        return stalled(shared) ? shared.timed : client;
      },
      async client() {
        const { client } = shared;
        if (!client.isOpen)
          throw new Error(`redisStore: the store for ${shared.host} was disconnected`);
        if (client.isReady) return stalled(shared) ? shared.timed : client;
        if (!shared.firstAttemptOver) {
          await withDeadline(shared.firstAttempt, connectTimeout);
          if (client.isReady) return stalled(shared) ? shared.timed : client;
        }
        throw new Error(`Redis at ${shared.host} is unreachable (reconnecting in the background)`);
      },
      async release() {
        shared.adapters.delete(tell);
        await releaseClient(poolKey, shared);
      },
    };
  });
}
