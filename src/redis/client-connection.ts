/**
 * A connection made of the user's own ioredis client (`Redis`, with or without Sentinel, or a
 * `Cluster`): what `RedisLock` and `RedisBus`'s publisher need of a connection (readiness, one report per outage), without
 * owning the client: hotpath never closes it, and its own options (offline queue, retries,
 * Sentinel failover, cluster redirections) apply. Commands are still bounded by the caller's
 * deadlines, so a client that queues while reconnecting cannot make a caller hang.
 */
import { withDeadline } from '../core/deadline.js';
import { errorMessage } from '../core/error-message.js';
import type { RedisCommandClient } from './connection.js';

/** The user's client, seen as a connection. */
export class ClientConnection {
  readonly client: RedisCommandClient;
  readonly #errorListeners = new Set<(error: Error) => void>();
  readonly #readyListeners = new Set<() => void>();
  #outageReported = false;
  readonly #onError = (error: unknown): void => {
    if (this.#outageReported) return;
    this.#outageReported = true;
    const lost = new Error(
      `lost the connection to Redis (${errorMessage(error)}); the client reconnects by itself`,
      { cause: error },
    );
    for (const listener of this.#errorListeners) listener(lost);
  };
  readonly #onReady = (): void => {
    this.#outageReported = false;
    for (const listener of this.#readyListeners) listener();
  };

  constructor(client: RedisCommandClient) {
    this.client = client;
    client.on('error', this.#onError);
    client.on('ready', this.#onReady);
  }

  /** Whether commands can be sent now. */
  get isReady(): boolean {
    return this.client.status === 'ready';
  }

  /** Resolves `true` once the client is ready, `false` after `ms`. */
  async ready(ms: number): Promise<boolean> {
    if (this.isReady) return true;
    await withDeadline(
      new Promise<void>((resolve) => {
        const done = (): void => {
          this.client.off('ready', done);
          resolve();
        };
        this.client.on('ready', done);
        setTimeout(done, ms).unref();
      }),
      ms,
    );
    return this.isReady;
  }

  /** Calls `listener` once per outage. Returns a remover. */
  onError(listener: (error: Error) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /** Calls `listener` each time the client becomes ready (again). Returns a remover. */
  onReady(listener: () => void): () => void {
    this.#readyListeners.add(listener);
    return () => this.#readyListeners.delete(listener);
  }

  /** Stops listening to the client; never closes it (it is the user's). */
  async release(): Promise<void> {
    this.#errorListeners.clear();
    this.#readyListeners.clear();
    this.client.off('error', this.#onError);
    this.client.off('ready', this.#onReady);
  }
}
