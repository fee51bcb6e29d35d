/**
 * `RedisBus`: the cross-process invalidation channel (`config.bus`) over Redis pub/sub.
 *
 * Every process's registry publishes what it invalidated (keys, tags, namespace clears, never
 * values) on one channel; every other process drops its in-process (L1) copies. The shared
 * tiers (Redis, a database) were already invalidated by the sender, once.
 *
 * Pub/sub delivers at most once and only to connected subscribers, so after its subscriber
 * connection comes back the bus asks the registry to drop its whole L1 tier (`onResync`):
 * messages may have been missed. On a Redis Cluster the same holds when the channel's shard
 * master fails over or its slot moves: the bus subscribes again where the channel is now, then
 * resyncs. Messages published while this process's own connection is down are kept (at most
 * `maxPending`) and sent when it is back; if more pile up, one "resync" message replaces them
 * and makes every process drop its L1 tier.
 *
 * Message format (JSON, version 1): `{"v":1,"o":"<origin>","t":{"tags":[...],"namespace":"...","key":"..."}}`,
 * or `{"v":1,"o":"<origin>","r":1}` for a resync. Malformed messages are ignored and reported.
 */
import { describeValue, optionError, type Duration } from '../core/options.js';
import type { InvalidationBus, InvalidationTarget } from '../registry/types.js';
import {
  CONNECTION_OPTIONS,
  RedisConnection,
  leaseConnection,
  resolveClientConnection,
  resolveConnection,
  type RedisCommandClient,
  type RedisConnectionOptions,
  type Lease,
  UNASKED_REPLY,
} from './connection.js';
import { ClientConnection } from './client-connection.js';
import { subscriberSource } from './subscriber-source.js';
import { TIMED_OUT, withDeadline } from '../core/deadline.js';
import { errorMessage } from '../core/error-message.js';
import { durationSetting, newOriginId, stringSetting } from './shared.js';

/** Options of {@link RedisBus}. */
export interface RedisBusOptions extends Omit<RedisConnectionOptions, 'url'> {
  /**
   * Redis URL (`redis://` or `rediss://`): hotpath opens (and closes) a subscriber connection
   * and a publishing connection shared with the process's `RedisLock`. Required unless `client`
   * is given.
   *
   * @default undefined
   */
  url?: string;
  /**
   * Your own ioredis client instead of a `url`: a `Redis` (Sentinel-managed with
   * `new Redis({ sentinels, name })`) or a `Cluster`. The bus publishes through it and
   * subscribes on a connection of its own: a `client.duplicate()` for a `Redis` (it follows the
   * sentinels to the current master), a connection to the channel's shard master for a
   * `Cluster` (sharded pub/sub, `SPUBLISH`/`SSUBSCRIBE`: one shard carries the channel, instead
   * of every node as with `PUBLISH`). hotpath never closes your client; it closes the
   * subscriber it opened. A failover is a reconnect: the bus resubscribes (on the promoted
   * master) and resyncs, as after any reconnect.
   *
   * @default undefined
   */
  client?: RedisCommandClient;
  /**
   * The pub/sub channel. Processes that must see each other's invalidations use the same
   * channel; separate applications on one Redis use separate ones.
   *
   * @default 'hotpath:invalidate'
   */
  channel?: string;
  /**
   * How long `publish()` (and so `registry.invalidate()`) waits for the PUBLISH before it
   * resolves anyway; the message still goes out (or is queued and retried) in the background.
   * The same as `@cached`'s `storeTimeout`.
   *
   * @default '250ms'
   */
  publishTimeout?: Duration;
  /**
   * Messages kept while the publishing connection is down, sent when it is back. Beyond this,
   * they are replaced by one resync message (every process drops its L1 tier).
   *
   * @default 1000
   */
  maxPending?: number;
  /**
   * How often the subscriber connection PINGs Redis. A connection that died silently (a
   * network partition without a reset) would otherwise miss every message for as long as the
   * operating system's TCP keep-alive takes to notice (hours); a PING unanswered within
   * `connectTimeout` makes the bus reconnect, and so resync.
   *
   * @default '5s'
   */
  heartbeat?: Duration;
}

const KNOWN = [
  ...CONNECTION_OPTIONS,
  'client',
  'channel',
  'publishTimeout',
  'maxPending',
  'heartbeat',
];
const WHERE = 'new RedisBus()';

/** What travels on the channel. */
interface BusMessage {
  v: 1;
  /** Origin: the sending bus. */
  o: string;
  /** The invalidation, absent for a resync. */
  t?: InvalidationTarget;
  /** 1 for a resync: drop every L1 copy. */
  r?: 1;
}

interface Handler {
  onMessage: (target: InvalidationTarget) => void;
  onResync: () => void;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** Parses and checks a message; `undefined` when it is not one of ours. */
function parseMessage(raw: string): BusMessage | undefined {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (data === null || typeof data !== 'object') return undefined;
  const m = data as Partial<BusMessage>;
  if (m.v !== 1 || typeof m.o !== 'string') return undefined;
  if (m.r === 1) return { v: 1, o: m.o, r: 1 };
  const t = m.t as Record<string, unknown> | undefined;
  if (t === null || typeof t !== 'object') return undefined;
  const target: InvalidationTarget = {};
  if (t.tags !== undefined) {
    if (!isStringArray(t.tags)) return undefined;
    target.tags = t.tags;
  }
  if (t.namespace !== undefined) {
    if (typeof t.namespace !== 'string') return undefined;
    target.namespace = t.namespace;
  }
  if (t.key !== undefined) {
    if (typeof t.key !== 'string') return undefined;
    target.key = t.key;
  }
  return { v: 1, o: m.o, t: target };
}

/**
 * The cross-process invalidation bus over Redis pub/sub, for `createHotpath({ bus })`.
 *
 * Two connections per bus: a subscriber (its own) and a publisher (with a `url`, the process's
 * shared command connection for that URL, also used by {@link RedisLock}; with a `client`, your
 * client). On a Redis Cluster `client` the bus uses sharded pub/sub (`SPUBLISH`, and
 * `SSUBSCRIBE` on the master of the channel's slot); behind Sentinel its subscriber is a
 * `client.duplicate()`. Use one bus per registry.
 * Cost: one PUBLISH per `registry.invalidate()`, awaited for at most `publishTimeout`; the
 * other processes had dropped their copies 3-13 ms later in the four-process suite. `publish`
 * never throws: while disconnected, messages wait (at most `maxPending`) and go out on
 * reconnect.
 *
 * @example
 * const registry = createHotpath({
 *   stores: { redis: redisStore(url) },
 *   bus: new RedisBus({ url }),
 *   lock: new RedisLock({ url, prefix: 'myapp:' }),
 * });
 * // On a Redis Cluster (or a Sentinel-managed `new Redis({ sentinels, name })`):
 * const cluster = new Cluster([{ host: 'redis-1', port: 6379 }]);
 * createHotpath({ bus: new RedisBus({ client: cluster }), lock: new RedisLock({ client: cluster }) });
 */
export class RedisBus implements InvalidationBus {
  /** This bus's identity in its messages (host, pid and a random part). */
  readonly origin: string = newOriginId();
  /** The pub/sub channel. */
  readonly channel: string;

  readonly #publisher: Lease | { connection: ClientConnection; release(): Promise<void> };
  readonly #subscriber: RedisConnection;
  /** Sharded pub/sub (a cluster): `SSUBSCRIBE`/`SPUBLISH`. */
  readonly #sharded: boolean;
  /** The channel's name in the messages that arrive (a cluster's `keyPrefix` included). */
  readonly #arrivingOn: string;
  readonly #maxPending: number;
  readonly #publishTimeout: number;
  readonly #connectTimeout: number;
  readonly #onError: (error: Error) => void;
  readonly #handlers = new Set<Handler>();
  readonly #removers: (() => void)[] = [];
  #pending: BusMessage[] = [];
  #subscribed = false;
  /** Counts subscription attempts, so that a late answer to an old one changes nothing. */
  #attempt = 0;
  /** The subscriber connection is being dropped to resubscribe (until it is ready again). */
  #dropping = false;
  #subscribedWaiters: ((subscribed: boolean) => void)[] = [];
  #closed = false;
  #closing: Promise<void> | undefined;
  #flushing = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #beating = false;

  /** Opens the two connections at once; throws a `TypeError` for a bad URL or option. */
  constructor(options: RedisBusOptions) {
    const given = options !== null && typeof options === 'object' && 'client' in options;
    const { settings, onError, ...target } = given
      ? resolveClientConnection(WHERE, 'RedisBus', options, KNOWN)
      : { ...resolveConnection(WHERE, 'RedisBus', options as RedisConnectionOptions, KNOWN) };
    this.channel = stringSetting(WHERE, 'channel', options.channel, 'hotpath:invalidate');
    this.#publishTimeout = durationSetting(WHERE, 'publishTimeout', options.publishTimeout, 250);
    this.#connectTimeout = settings.connectTimeout;
    const maxPending = options.maxPending ?? 1_000;
    // Not `integerOption`: it takes Infinity, and an unbounded backlog is what this bounds.
    if (!Number.isInteger(maxPending) || maxPending < 0) {
      throw optionError({ where: WHERE }, 'maxPending', 'a non-negative integer', maxPending);
    }
    this.#maxPending = maxPending;
    this.#onError = onError;
    // Checked before any connection opens: a constructor that throws must leave no socket behind.
    const heartbeat = durationSetting(WHERE, 'heartbeat', options.heartbeat, 5_000);

    if ('client' in target) {
      const connection = new ClientConnection(target.client);
      this.#publisher = { connection, release: () => connection.release() };
      const { source, channel, sharded } = subscriberSource(target.client, this.channel);
      this.#subscriber = new RedisConnection(source, settings, true);
      this.#sharded = sharded;
      this.#arrivingOn = channel;
    } else {
      this.#publisher = leaseConnection(target.url, settings);
      this.#subscriber = new RedisConnection(target.url, settings, true);
      this.#sharded = false;
      this.#arrivingOn = this.channel;
    }
    const pub = this.#publisher.connection;
    this.#removers.push(
      pub.onError(this.#onError),
      pub.onReady(() => void this.#flush()),
    );

    const sub = this.#subscriber;
    sub.onError(this.#onError);
    sub.onReady(() => {
      this.#dropping = false;
      void this.#subscribe();
    });
    this.#heartbeat = setInterval(() => void this.#beat(), heartbeat);
    this.#heartbeat.unref();
    sub.client.on('close', () => {
      this.#subscribed = false;
    });
    sub.client.on(this.#sharded ? 'smessage' : 'message', (channel: string, raw: string) => {
      if (channel === this.#arrivingOn) this.#deliver(raw);
    });
    // The subscription is over while the connection stays up: resubscribe on a new connection
    // (aimed at the slot's master now), then resync, as after any reconnect. A MOVED reply to
    // SSUBSCRIBE (the slot moved before we subscribed): ioredis reports it as `moved` and never
    // settles the command. An unsubscribe pushed by the server (the slot migrated, or its master
    // became a replica): ioredis, which did not ask for it, reports its reply as a "Command queue
    // state error".
    sub.client.on('moved', () => this.#resubscribe('the channel moved to another node'));
    sub.client.on('error', (error: Error) => {
      if (error.message.startsWith(UNASKED_REPLY)) {
        this.#resubscribe(
          'the server ended the subscription (its slot moved, or its master stepped down)',
        );
      }
    });
  }

  /** Reports `why`, and drops the subscriber connection to reconnect, resubscribe and resync. */
  #resubscribe(why: string): void {
    // Once per connection: ioredis reports one pushed unsubscribe twice.
    if (this.#closed || this.#dropping) return;
    this.#dropping = true;
    this.#subscribed = false;
    this.#attempt += 1;
    this.#onError(new Error(`${why} ('${this.channel}'); resubscribing`));
    this.#subscriber.client.disconnect(true);
  }

  /** One PUBLISH (SPUBLISH on a cluster) of `message`. */
  #publishNow(message: BusMessage): Promise<unknown> {
    const { client } = this.#publisher.connection;
    const raw = JSON.stringify(message);
    return this.#sharded ? client.spublish(this.channel, raw) : client.publish(this.channel, raw);
  }

  /**
   * Sends `target` to every other process on the channel. Resolves once sent, once queued
   * while the connection is down (sent on reconnect), or after `publishTimeout` while Redis is
   * slow (the PUBLISH goes on in the background). Never rejects: failures go to `onError`.
   */
  publish(target: InvalidationTarget): Promise<void> {
    return this.#post({ v: 1, o: this.origin, t: pickTarget(target) });
  }

  /**
   * Tells every other process to drop its in-process (L1) copies and re-read what it knows of
   * the shared tiers, as after a reconnect (the registry sends it after a store-wide
   * invalidation). Queued and timed like {@link RedisBus.publish}; never rejects.
   */
  resync(): Promise<void> {
    return this.#post({ v: 1, o: this.origin, r: 1 });
  }

  async #post(message: BusMessage): Promise<void> {
    if (this.#closed) return;
    if (!this.#publisher.connection.isReady) {
      this.#enqueue(message);
      return;
    }
    if (this.#pending.length > 0) {
      // Keep the order: older messages first.
      this.#enqueue(message);
      await withDeadline(this.#flush(), this.#publishTimeout);
      return;
    }
    await withDeadline(this.#send(message), this.#publishTimeout);
  }

  /** One PUBLISH; on failure the message is queued for the next reconnect. Never rejects. */
  async #send(message: BusMessage): Promise<void> {
    try {
      await this.#publishNow(message);
    } catch (error) {
      this.#enqueue(message);
      this.#onError(
        new Error(`publish failed (${errorMessage(error)}); will retry`, { cause: error }),
      );
      this.#retrySoon();
    }
  }

  /**
   * A PUBLISH can fail while the connection stays up (a command timeout on a frozen Redis): no
   * `ready` event will come to flush the queue, so try again shortly. A frozen Redis that later
   * thaws may then deliver a message twice, which is harmless: invalidations are idempotent.
   */
  #retrySoon(): void {
    if (this.#retryTimer !== undefined || this.#closed) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#flush();
    }, 100);
    this.#retryTimer.unref();
  }

  /**
   * Delivers other processes' messages to `onMessage` (this bus's own are dropped) and calls
   * `onResync` whenever the subscription is (re)established, because messages sent before
   * that were not received. Returns a function that stops delivery to this pair.
   */
  subscribe(onMessage: (target: InvalidationTarget) => void, onResync: () => void): () => void {
    const handler: Handler = { onMessage, onResync };
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /**
   * Resolves `true` once the subscription is active (messages from other processes will
   * arrive), or `false` after `timeout` (default 2 s). For start-up code and tests that must
   * not miss the first invalidations.
   */
  ready(timeout: Duration = 2_000): Promise<boolean> {
    if (this.#subscribed) return Promise.resolve(true);
    const ms = durationSetting('RedisBus.ready()', 'timeout', timeout, 2_000);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.#subscribed), ms);
      timer.unref();
      this.#subscribedWaiters.push((subscribed) => {
        clearTimeout(timer);
        resolve(subscribed);
      });
    });
  }

  /** Messages waiting for the publishing connection to come back. */
  get pending(): number {
    return this.#pending.length;
  }

  /**
   * Sends what is pending if the connection allows (bounded), then closes both connections.
   * Idempotent; never rejects. `registry.shutdown()` calls it.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await withDeadline(this.#flush(), this.#connectTimeout);
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#heartbeat);
    for (const remove of this.#removers) remove();
    this.#handlers.clear();
    for (const wake of this.#subscribedWaiters) wake(false);
    this.#subscribedWaiters = [];
    await Promise.all([this.#subscriber.close(), this.#publisher.release()]);
  }

  /** One heartbeat: PING on the subscription; no answer in time means a dead connection. */
  async #beat(): Promise<void> {
    if (this.#beating || this.#closed || !this.#subscribed) return;
    this.#beating = true;
    try {
      const answer = await withDeadline(this.#subscriber.client.ping(), this.#connectTimeout);
      if (answer === TIMED_OUT && !this.#closed && this.#subscribed) {
        this.#subscribed = false;
        this.#onError(
          new Error(
            `the subscription to '${this.channel}' did not answer a PING within ${this.#connectTimeout} ms; reconnecting`,
          ),
        );
        // Reconnects; `ready` then subscribes again and resyncs.
        this.#subscriber.client.disconnect(true);
      }
    } catch {
      // A failed PING means the connection is already going down: its events handle it.
    } finally {
      this.#beating = false;
    }
  }

  async #subscribe(): Promise<void> {
    const { client } = this.#subscriber;
    const attempt = ++this.#attempt;
    try {
      const subscribing = this.#sharded
        ? client.ssubscribe(this.#arrivingOn)
        : client.subscribe(this.channel);
      if ((await withDeadline(subscribing, this.#connectTimeout)) === TIMED_OUT) {
        // A MOVED reply (reported as `moved`, which resubscribes) or a frozen server.
        if (attempt === this.#attempt && client.status === 'ready') {
          this.#resubscribe(`subscribing got no answer within ${this.#connectTimeout} ms`);
        }
        return;
      }
    } catch (error) {
      // The connection dropped again; the next `ready` subscribes again.
      this.#onError(
        new Error(`subscribing to '${this.channel}' failed (${errorMessage(error)})`, {
          cause: error,
        }),
      );
      return;
    }
    // Closed meanwhile, or this connection was dropped since: the next attempt counts.
    if (this.#closed || attempt !== this.#attempt) return;
    this.#subscribed = true;
    this.#resync();
    const waiters = this.#subscribedWaiters;
    this.#subscribedWaiters = [];
    for (const wake of waiters) wake(true);
  }

  #resync(): void {
    for (const handler of this.#handlers) {
      try {
        handler.onResync();
      } catch (error) {
        this.#onError(
          new Error(`an onResync handler threw (${errorMessage(error)})`, { cause: error }),
        );
      }
    }
  }

  #deliver(raw: string): void {
    const message = parseMessage(raw);
    if (!message) {
      this.#onError(
        new Error(`ignored a malformed message on '${this.channel}': ${describeValue(raw)}`),
      );
      return;
    }
    if (message.o === this.origin) return;
    if (message.r === 1) {
      this.#resync();
      return;
    }
    for (const handler of this.#handlers) {
      try {
        handler.onMessage(message.t!);
      } catch (error) {
        this.#onError(
          new Error(`an onMessage handler threw (${errorMessage(error)})`, { cause: error }),
        );
      }
    }
  }

  #enqueue(message: BusMessage): void {
    if (this.#pending.length >= this.#maxPending) {
      // Too much was missed to replay: tell every process to drop its L1 tier instead.
      this.#pending = [{ v: 1, o: this.origin, r: 1 }];
      return;
    }
    this.#pending.push(message);
  }

  async #flush(): Promise<void> {
    if (this.#flushing || this.#closed) return;
    this.#flushing = true;
    try {
      const { connection } = this.#publisher;
      while (this.#pending.length > 0 && connection.isReady) {
        const message = this.#pending[0]!;
        try {
          await this.#publishNow(message);
        } catch (error) {
          this.#onError(
            new Error(`publish failed (${errorMessage(error)}); will retry`, { cause: error }),
          );
          this.#retrySoon();
          return;
        }
        this.#pending.shift();
      }
    } finally {
      this.#flushing = false;
    }
  }
}

/** Copies only the fields of an invalidation (callers may pass richer objects). */
function pickTarget(target: InvalidationTarget): InvalidationTarget {
  const out: InvalidationTarget = {};
  if (target.tags !== undefined) out.tags = [...target.tags];
  if (target.namespace !== undefined) out.namespace = target.namespace;
  if (target.key !== undefined) out.key = target.key;
  return out;
}
