/**
 * The connection of `redisStore({ client })`: the user's own node-redis client, a plain
 * `createClient()`, a `createCluster()` or a `createSentinel()`, seen the way a store needs it.
 * hotpath never connects or closes it (its options, reconnects and failovers are the user's),
 * but keeps the store's guarantees on top of it:
 *
 * - a command is sent only when it can be answered: the client is ready and, on a cluster, the
 *   master serving the key's slot is connected. Otherwise it is refused at once (a miss), so
 *   nothing piles up in the client's offline queue while a node is down, whatever the client's
 *   options. The first calls of a fresh process wait for the client's first readiness (at most
 *   `connectTimeout`), so they read the shared tier instead of failing;
 * - on a cluster, a refused command asks the client to read the cluster's topology again
 *   (`CLUSTER SLOTS`, at most every {@link REDISCOVER_MS}). node-redis 5 does that only on a
 *   `MOVED` reply, which a dead master never sends: after a failover it kept sending the dead
 *   master's slots to its address for as long as we watched (12 s, then stopped looking),
 *   where with this the promoted replica serves them within a fraction of a second;
 * - one report per outage: the client's `error` (and, on a cluster, `node-error`) events and
 *   refused commands report once, until a command succeeds with every node ready again;
 * - the listeners it adds to the client are removed by {@link StoreClient.release}.
 *
 * Behind Sentinel, node-redis follows the failover itself (its sentinel subscription and its
 * retries on a lost master); a command sent meanwhile waits inside the client until the
 * replica is promoted. `@cached`'s `storeTimeout` answers the caller first, and its circuit
 * breaker stops sending after a few timeouts.
 */
import { withDeadline } from '../core/deadline.js';
import { errorMessage } from '../core/error-message.js';
import { keySlot } from './key-slot.js';

/**
 * A node-redis client as `redisStore({ client })` takes it: `createClient()`, `createCluster()`
 * or `createSentinel()` (node-redis 5, re-exported by `@keyv/redis`), connected by you. The
 * structural part hotpath relies on, so that its types do not require node-redis.
 */
export interface RedisStoreClient {
  /** Whether the client was connected (`await client.connect()`) and is not closed. */
  readonly isOpen: boolean;
  /** Listens to `error` (and, on a cluster, `node-error`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  /** Stops listening. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  off(event: string, listener: (...args: any[]) => void): unknown;
}

/** Which kind of node-redis client: they differ in how readiness is known. */
export type StoreClientKind = 'client' | 'cluster' | 'sentinel';

/** Shortest pause between two topology reads a store asks of a cluster client. */
const REDISCOVER_MS = 200;

/** What a store reads of a node-redis client: public members of its three kinds. */
interface Readable {
  readonly isOpen: boolean;
  /** Plain and Sentinel clients (a cluster has none: see its nodes). */
  readonly isReady?: boolean;
  withCommandOptions(options: { timeout: number }): unknown;
}

/** A node of a node-redis cluster (`cluster.masters[i]`, `cluster.slots[i].master`). */
interface ClusterNode {
  readonly address?: string;
  /** Its connection, once made (none yet with `minimizeConnections`). */
  readonly client?: { readonly isReady: boolean };
}

/** The public members of a node-redis cluster client a store uses. */
interface ClusterClient extends Readable {
  readonly slots: readonly ({ readonly master: ClusterNode } | undefined)[];
  readonly masters: readonly ClusterNode[];
  /** `rediscover(startWith)`: reads the topology again, from that node client first. */
  readonly _slots: { rediscover(startWith: unknown): Promise<void> };
}

/** Which kind `client` is (checked by the caller to be a node-redis client). */
export function storeClientKind(client: object): StoreClientKind {
  const c = client as { getSentinelNode?: unknown; slots?: unknown };
  if (typeof c.getSentinelNode === 'function') return 'sentinel';
  return Array.isArray(c.slots) ? 'cluster' : 'client';
}

/** The user's client as one store sees it. */
export class StoreClient {
  readonly client: RedisStoreClient;
  /** The same client, its commands bounded by `commandTimeout` (used while stalled). */
  readonly timed: unknown;
  readonly commandTimeout: number;
  /** Commands sent through the store and not answered yet. */
  pending = 0;
  /** When the oldest unanswered command was sent, or the last reply arrived since (ms). */
  progressAt = 0;
  /** For messages. */
  readonly host: string;
  readonly #kind: StoreClientKind;
  readonly #connectTimeout: number;
  readonly #tell: (error: Error) => void;
  #everReady = false;
  #firstWait: Promise<unknown> | undefined;
  #firstWaitOver = false;
  #outageReported = false;
  #released = false;
  #rediscoverAt = -Infinity;
  readonly #onError = (error: unknown): void => this.#lost(errorMessage(error), error);
  readonly #onNodeError = (error: unknown, node?: { host?: string; port?: number }): void => {
    const where = node?.port === undefined ? 'a node' : `node ${node.host}:${node.port}`;
    this.#lost(`${where}: ${errorMessage(error)}`, error);
  };

  constructor(
    client: RedisStoreClient,
    kind: StoreClientKind,
    settings: { connectTimeout: number; commandTimeout: number },
    tell: (error: Error) => void,
  ) {
    this.client = client;
    this.#kind = kind;
    this.#connectTimeout = settings.connectTimeout;
    this.commandTimeout = settings.commandTimeout;
    this.timed = (client as unknown as Readable).withCommandOptions({
      timeout: settings.commandTimeout,
    });
    this.host =
      kind === 'cluster' ? 'Redis Cluster' : kind === 'sentinel' ? 'Redis Sentinel' : 'Redis';
    this.#tell = tell;
    // Without a listener, node-redis's `error` events would crash the process; the user has
    // likely added one, but the store must be safe either way.
    client.on('error', this.#onError);
    if (kind === 'cluster') client.on('node-error', this.#onNodeError);
  }

  /**
   * Resolves once the client can take a command for `keys` (the prefixed keys a store command
   * touches); rejects at once when it cannot (after the first wait of a fresh store).
   */
  async ready(keys: readonly string[]): Promise<void> {
    if (!this.#ready()) {
      if (!this.#everReady && !this.#firstWaitOver) await this.#waitFirst();
      if (!this.#ready()) {
        const cause = this.client.isOpen
          ? 'not ready'
          : 'the client is not connected: call `await client.connect()`';
        this.#lost(cause, undefined);
        throw new Error(`${this.host} is unreachable (${cause})`);
      }
    }
    this.#everReady = true;
    if (this.#kind === 'cluster') this.#checkSlots(keys);
  }

  /** A command succeeded: an outage in progress is over once every node is ready again. */
  succeeded(): void {
    if (this.#outageReported && this.#healthy()) this.#outageReported = false;
  }

  /** Stops listening to the client; never closes it (it is the user's). */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.client.off('error', this.#onError);
    if (this.#kind === 'cluster') this.client.off('node-error', this.#onNodeError);
  }

  /** Whether commands can be sent at all now. */
  #ready(): boolean {
    const c = this.client as unknown as Readable;
    if (this.#kind !== 'cluster') return c.isReady === true;
    return c.isOpen && (c as ClusterClient).masters.length > 0;
  }

  /** Whether every node the store may send to is connected. */
  #healthy(): boolean {
    if (this.#kind !== 'cluster') return this.#ready();
    return (this.client as unknown as ClusterClient).masters.every(
      (m) => m.client === undefined || m.client.isReady,
    );
  }

  /** Throws when the master of one of `keys` is not connected, and asks for the topology. */
  #checkSlots(keys: readonly string[]): void {
    const cluster = this.client as unknown as ClusterClient;
    for (const key of keys) {
      const master = cluster.slots[keySlot(key)]?.master;
      // No connection yet (`minimizeConnections`): node-redis makes it on this command.
      if (master !== undefined && (master.client === undefined || master.client.isReady)) continue;
      this.#rediscover(cluster);
      const cause = `the master serving '${key}'${master?.address === undefined ? '' : ` (${master.address})`} is not connected`;
      this.#lost(cause, undefined);
      throw new Error(`${this.host}: ${cause}; reading the cluster's topology again`);
    }
  }

  /** Asks the cluster client to read the topology again, at most every REDISCOVER_MS. */
  #rediscover(cluster: ClusterClient): void {
    const now = Date.now();
    if (now - this.#rediscoverAt < REDISCOVER_MS) return;
    this.#rediscoverAt = now;
    // Starting from a live master answers fastest; node-redis falls back to its root nodes.
    const start = (cluster.masters.find((m) => m.client?.isReady) ?? cluster.masters[0])?.client;
    if (start === undefined) return;
    // Failures are the client's `error` events (heard above); a rejection here says no more.
    cluster._slots.rediscover(start).catch(() => {});
  }

  /** Waits (once, at most connectTimeout) for the client's first readiness. */
  async #waitFirst(): Promise<void> {
    this.#firstWait ??= withDeadline(this.#firstReadiness(), this.#connectTimeout).finally(
      () => (this.#firstWaitOver = true),
    );
    await this.#firstWait;
  }

  /** Resolves when the client is ready (polled: the three kinds announce it differently). */
  async #firstReadiness(): Promise<void> {
    const deadline = Date.now() + this.#connectTimeout;
    while (!this.#ready() && Date.now() < deadline && !this.#released) {
      await new Promise((resolve) => setTimeout(resolve, 10).unref());
    }
  }

  /** Reports an outage once, until a command succeeds with every node ready. */
  #lost(cause: string, error: unknown): void {
    if (this.#outageReported || this.#released) return;
    this.#outageReported = true;
    this.#tell(
      new Error(`lost the connection to ${this.host} (${cause}); the client reconnects by itself`, {
        cause: error,
      }),
    );
  }
}
