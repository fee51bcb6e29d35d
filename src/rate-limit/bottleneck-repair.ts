/**
 * Repairs of Bottleneck 2.19.5's clustered mode, applied from the outside to a limiter's Redis
 * datastore and connection (Bottleneck has had no release since 2019; these patch points are
 * stable). See {@link hardenBottleneck}.
 */
import { HotpathError } from '../errors.js';
import type { BottleneckLike } from './bottleneck-like.js';

/**
 * A job argument that wants to know when Bottleneck granted its job a start: Bottleneck then
 * calls `[ON_GRANT](at)` with the moment (epoch ms, the limiter's shared timeline) the job may
 * start. A job that starts much later than that breaks the spacing Bottleneck computed.
 */
export const ON_GRANT: unique symbol = Symbol('hotpath.bottleneck.onGrant');

/** What an engine hears from a repaired limiter. */
interface BottleneckWatcher {
  /** A script failed without a Redis reply (a timeout, a closed connection). */
  onFailure(error: unknown): void;
  /**
   * The limiter's state in Redis was lost (FLUSHALL, eviction, a restart without persistence):
   * every start it granted before is void, since the new state knows nothing of them.
   */
  onStateLost(): void;
}

/**
 * After a loss of the shared state, how long past `minTime` the re-created state grants
 * nothing: the time for every process to hear of the loss (one pub/sub message) and void the
 * starts the old state granted it. Calls in the whole cluster wait about this long once.
 */
const RESET_MARGIN_MS = 250;

/** Marks a connection/datastore/limiter already patched. */
const HARDENED = Symbol.for('hotpath.bottleneck.hardened');
/** The repair state of a datastore. */
const REPAIR = Symbol('hotpath.bottleneck.repair');
/** A connection's repair states by limiter id (a connection may serve several limiters). */
const STORES = Symbol('hotpath.bottleneck.stores');

/** The Bottleneck errors (as Redis 7 words them) whose recovery Bottleneck only runs without the prefix. */
const PREFIXED_RECOVERABLE = /^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$/;
/** The replies that say this process's part of the shared state is gone. */
const STATE_LOST = /^(ERR )?(SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$/;

/** Scripts that run inside Bottleneck's own `ready` chain or its recovery: never time them out (see below). */
const UNBOUNDED_SCRIPTS = new Set(['init', 'register_client']);

/** The message type of the state-loss notice on the limiter's pub/sub channel. */
const RESET_MESSAGE = 'hotpath-reset:';

/**
 * Holds the re-created state back (the first time after a loss) and marks it with an epoch:
 * `nextRequest` becomes at least now + `minTime` + margin, so no new start is granted before
 * every process has voided the starts of the old state. Later calls for the same state find
 * the epoch and change nothing. Returns `[epoch, 1 when this call created it]`, or nil when the
 * settings key is missing.
 */
const FENCE_LUA = `
local s = redis.call('hmget', KEYS[1], 'nextRequest', 'minTime', 'hotpathEpoch')
if not s[1] then return nil end
if s[3] then return {s[3], 0} end
local hold = tonumber(ARGV[1]) + (tonumber(s[2]) or 0) + tonumber(ARGV[2])
if tonumber(s[1]) < hold then redis.call('hset', KEYS[1], 'nextRequest', hold) end
redis.call('hset', KEYS[1], 'hotpathEpoch', ARGV[3])
return {ARGV[3], 1}
`;

type Callback = (err: unknown, reply: unknown) => void;

/** The commands of Bottleneck's Redis client hotpath uses (ioredis and node-redis 3 alike). */
interface RedisClientLike {
  eval(...args: [string, number, ...(string | number)[], Callback]): unknown;
  publish(channel: string, message: string, cb: Callback): unknown;
}

interface ScriptConnection {
  client?: RedisClientLike;
  __scriptArgs__(name: string, id: string, args: unknown[], cb: Callback): unknown[];
  [HARDENED]?: true;
  [STORES]?: Map<string, Repair>;
}

interface RedisDatastoreLike {
  runScript(name: string, args: unknown[]): Promise<unknown>;
  onMessage?(channel: string, message: string): unknown;
  connection?: ScriptConnection;
  originalId?: string;
  ready?: Promise<unknown>;
  [REPAIR]?: Repair;
}

interface LimiterInternals {
  _store?: RedisDatastoreLike;
  _run?(index: string, job: { args?: unknown[] }, wait: number): unknown;
  [HARDENED]?: true;
}

/** The repair state of one datastore (one limiter id in this process). */
class Repair {
  readonly watchers = new Set<BottleneckWatcher>();
  /** The state epoch this process has adopted (see {@link FENCE_LUA}). */
  epoch: string | undefined;
  /** `Date.now()` of the latest `register` script call: the base of the wait it answers with. */
  registerAt: number | undefined;

  lost(): void {
    for (const watcher of this.watchers) watcher.onStateLost();
  }

  failed(error: unknown): void {
    for (const watcher of this.watchers) watcher.onFailure(error);
  }
}

/**
 * Makes a clustered Bottleneck limiter survive Redis trouble, and tells `watcher` about it.
 * Mostly a no-op for local limiters (only grants are reported).
 *
 * 1. Redis 7 prefixes script errors raised with `redis.error_reply('X')` as `ERR X`.
 *    Bottleneck's `RedisDatastore.runScript` (node_modules/bottleneck/lib/RedisDatastore.js,
 *    the `.catch` after `__scriptFn__(name)(...arr)`) compares `e.message === "SETTINGS_KEY_NOT_FOUND"`
 *    and `=== "UNKNOWN_CLIENT"` exactly; the messages come from `validate_keys.lua` and
 *    `validate_client.lua` (lib/lua.json). With the prefix the comparison fails, so when the
 *    settings key disappears (FLUSHALL, eviction, expiry, a Redis restart without persistence)
 *    every job fails with `ERR SETTINGS_KEY_NOT_FOUND` instead of re-running `init` and retrying.
 *    Fix: wrap the connection's `__scriptArgs__`, which builds every script call and receives its
 *    reply callback, so the callback sees the message without the `ERR ` prefix. Bottleneck's
 *    own recovery (re-`init` with `clear = false`, or `register_client`, then retry the script)
 *    then runs exactly as its authors intended on Redis 6. Only those two exact messages change.
 *
 * 2. That recovery alone exceeds the limit (32 starts in a 1 s window with a limit of 30, three
 *    processes): Bottleneck grants starts ahead of time (a job waits `wait` ms in its process
 *    before it starts), and the re-created state restarts its spacing from now, knowing nothing
 *    of the starts already granted. So: the process that sees either message voids the starts
 *    it was granted and not yet made (`watcher.onStateLost()`: the engine schedules those calls
 *    again); after Bottleneck's recovery script, and before its retry, {@link FENCE_LUA} holds
 *    the new state back by `minTime` + {@link RESET_MARGIN_MS} once, and the process that did
 *    so publishes the loss on the limiter's channel, so that processes with nothing to ask
 *    Redis void their old starts too.
 *
 * 3. While Redis is unreachable, ioredis holds commands (offline queue, reconnect retries), so a
 *    script call and the job waiting for it can hang for a long time. Fix: wrap the datastore's
 *    `runScript` so each script call (other than `init`/`register_client`, which run inside
 *    Bottleneck's `ready` chain, where a rejection would poison `ready` for good, and inside the
 *    recovery of an already bounded call) fails after `redisTimeout` ms with an `E_STORE`
 *    `HotpathError`. `watcher.onFailure` hears about every failure that is not a Redis reply (a
 *    timeout, a closed connection), so the engine can reject the calls still waiting: a failed
 *    `submit` already rejects its job, but a failed `register` leaves jobs queued with nothing
 *    left to wake them, and Bottleneck's heartbeat (every 5 s) is then the script that fails.
 *
 * 4. Every job whose argument carries {@link ON_GRANT} learns the moment it was granted (the
 *    limiter's `_run`), so the engine can tell a start made too late to keep the spacing.
 *
 * Each wrapper is installed once per limiter, datastore or connection (marked with a symbol);
 * every watcher added later is told too.
 */
export function hardenBottleneck(
  limiter: BottleneckLike,
  redisTimeout: number,
  onFailure: (error: unknown) => void,
  onStateLost: () => void = () => {},
): void {
  const internals = limiter as unknown as LimiterInternals;
  const store = internals._store;
  const repair = store && isRedisStore(store) ? repairStore(store, redisTimeout) : undefined;
  repair?.watchers.add({ onFailure, onStateLost });
  watchGrants(internals, repair);
}

function isRedisStore(store: RedisDatastoreLike): boolean {
  return typeof store.runScript === 'function' && store.connection !== undefined;
}

/** Reports grants to the jobs that ask (see {@link ON_GRANT}). */
function watchGrants(limiter: LimiterInternals, repair: Repair | undefined): void {
  const run = limiter._run;
  if (typeof run !== 'function' || limiter[HARDENED]) return;
  limiter[HARDENED] = true;
  limiter._run = function (this: LimiterInternals, index, job, wait) {
    const arg = job?.args?.[0] as { [ON_GRANT]?: (at: number) => void } | undefined;
    // The wait counts from the moment the register script was called (its `now`), which is
    // what the shared timeline of grants uses; a local datastore answers at once.
    if (typeof arg?.[ON_GRANT] === 'function')
      arg[ON_GRANT]((repair?.registerAt ?? Date.now()) + wait);
    return run.call(this, index, job, wait);
  };
}

/** Installs the datastore and connection wrappers once; returns the datastore's repair state. */
function repairStore(store: RedisDatastoreLike, redisTimeout: number): Repair {
  const existing = store[REPAIR];
  if (existing) return existing;
  const repair = new Repair();
  store[REPAIR] = repair;
  const connection = store.connection!;
  (connection[STORES] ??= new Map()).set(String(store.originalId), repair);
  repairConnection(connection);

  let ready = false;
  void store.ready?.then(
    () => (ready = true),
    () => {},
  );

  const onMessage = store.onMessage;
  if (typeof onMessage === 'function') {
    store.onMessage = function (this: RedisDatastoreLike, channel: string, message: string) {
      if (typeof message === 'string' && message.startsWith(RESET_MESSAGE)) {
        const epoch = message.slice(RESET_MESSAGE.length);
        if (epoch !== repair.epoch) {
          repair.epoch = epoch;
          repair.lost();
        }
        return undefined;
      }
      return onMessage.call(this, channel, message);
    };
  }

  const runScript = store.runScript;
  store.runScript = function (
    this: RedisDatastoreLike,
    name: string,
    args: unknown[],
  ): Promise<unknown> {
    if (name === 'register') repair.registerAt = Date.now();
    const running = runScript.call(this, name, args);
    if (UNBOUNDED_SCRIPTS.has(name)) {
      // After `ready`, these run only as Bottleneck's recovery from a lost state: hold the new
      // state back before Bottleneck retries the script that failed.
      return ready ? running.then((value) => fence(store, repair).then(() => value)) : running;
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new HotpathError(
          'E_STORE',
          `Redis did not answer the rate limiter's '${name}' script within ${redisTimeout} ms`,
        );
        repair.failed(error);
        reject(error);
      }, redisTimeout);
      timer.unref?.();
      running.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if ((error as { name?: unknown } | null)?.name !== 'ReplyError') repair.failed(error);
          reject(error);
        },
      );
    });
  };
  return repair;
}

/** Strips Redis 7's `ERR ` prefix from the recoverable replies, and reports a lost state. */
function repairConnection(connection: ScriptConnection): void {
  if (typeof connection.__scriptArgs__ !== 'function' || connection[HARDENED]) return;
  connection[HARDENED] = true;
  const scriptArgs = connection.__scriptArgs__;
  connection.__scriptArgs__ = function (this: ScriptConnection, name, id, args, cb) {
    return scriptArgs.call(this, name, id, args, (err, replies) => {
      if (err instanceof Error && STATE_LOST.test(err.message)) {
        if (PREFIXED_RECOVERABLE.test(err.message)) err.message = err.message.slice(4);
        connection[STORES]?.get(String(id))?.lost();
      }
      cb(err, replies);
    });
  };
}

/** Runs {@link FENCE_LUA} on the re-created state; publishes the loss when this call created the epoch. */
function fence(store: RedisDatastoreLike, repair: Repair): Promise<void> {
  const client = store.connection?.client;
  if (!client || typeof client.eval !== 'function') return Promise.resolve();
  const id = String(store.originalId);
  const candidate = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  return new Promise<void>((resolve, reject) => {
    client.eval(
      FENCE_LUA,
      1,
      `b_${id}_settings`,
      Date.now(),
      RESET_MARGIN_MS,
      candidate,
      (err, reply) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        if (Array.isArray(reply)) {
          const [epoch, created] = reply as [unknown, unknown];
          repair.epoch = String(epoch);
          if (Number(created) === 1)
            client.publish(`b_${id}`, `${RESET_MESSAGE}${repair.epoch}`, () => {});
        }
        resolve();
      },
    );
  });
}
