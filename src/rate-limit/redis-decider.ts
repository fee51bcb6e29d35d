/**
 * How a Redis engine runs its script (redis-script.ts) and asks it for a decision: a failing
 * decision (a failover: CLUSTERDOWN, a reconnect, a promoted replica) is asked again every 100 ms
 * until `redisTimeout` has passed since the first try; only then does it fail, and the calls
 * that follow within {@link DOWN_PAUSE_MS} fail at once without asking.
 */
import { TIMED_OUT, withDeadline } from '../core/deadline.js';
import { errorMessage } from '../core/error-message.js';
import { RATE_LIMIT_SCRIPT } from './redis-script.js';
import { createHash } from 'node:crypto';

/** After Redis failed to answer, calls skip it (fail open or closed at once) this long, ms. */
const DOWN_PAUSE_MS = 1_000;

const SHA = createHash('sha1').update(RATE_LIMIT_SCRIPT).digest('hex');

/**
 * The client the engine runs its script on: an ioredis `Redis` (single node or Sentinel) or an
 * ioredis `Cluster`. Anything with ioredis's `evalsha`/`eval` works.
 */
export interface RedisScriptClient {
  /** `EVALSHA sha numkeys ...keys ...args`: runs the cached script (routed by its first key on a cluster). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  evalsha(...args: any[]): Promise<unknown>;
  /** `EVAL script numkeys ...keys ...args`: loads and runs the script when Redis does not hold it. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  eval(...args: any[]): Promise<unknown>;
}

/** One answer of Redis to `acquire`: granted (too late to use when `late`), a wait, or no answer. */
export type Decision =
  | { readonly ok: true; readonly startId: string; readonly late: boolean }
  | { readonly ok: false; readonly wait: number }
  | { readonly failed: unknown };

/** Runs the script on one budget's keys; see the file comment. */
export class RedisDecider {
  readonly #client: RedisScriptClient;
  readonly #keys: readonly string[];
  readonly #redisTimeout: number;
  /** Whether the engine stopped: a failing decision is then not asked again. */
  readonly #stopped: () => boolean;
  #downUntil = 0;

  constructor(
    client: RedisScriptClient,
    keys: readonly string[],
    redisTimeout: number,
    stopped: () => boolean,
  ) {
    this.#client = client;
    this.#keys = keys;
    this.#redisTimeout = redisTimeout;
    this.#stopped = stopped;
  }

  /**
   * Asks for the grant `startId` with the script's `acquire` arguments; a grant whose answer
   * took longer than `slack` ms (when `slack > 0`) comes back `late`.
   */
  async decide(startId: string, args: (string | number)[], slack: number): Promise<Decision> {
    if (Date.now() < this.#downUntil) return { failed: new Error('Redis did not answer lately') };
    const deadline = Date.now() + this.#redisTimeout;
    let sent = performance.now();
    let reply: unknown;
    for (;;) {
      sent = performance.now();
      let failure: unknown;
      try {
        const answer = await withDeadline(this.run(args), Math.max(1, deadline - Date.now()));
        if (answer !== TIMED_OUT) {
          reply = answer;
          break;
        }
        failure = new Error(`no answer within redisTimeout (${this.#redisTimeout} ms)`);
      } catch (error) {
        failure = error;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.#stopped()) {
        this.#downUntil = Date.now() + DOWN_PAUSE_MS;
        return { failed: failure };
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, left)));
    }
    const [ok, value] = reply as [number, string];
    if (ok === 1) {
      const late = slack > 0 && performance.now() - sent > slack;
      return { ok: true, startId, late };
    }
    return { ok: false, wait: Number(value) };
  }

  /** Runs the script once (loading it when Redis does not hold it). */
  run(args: (string | number)[]): Promise<unknown> {
    const client = this.#client;
    return client
      .evalsha(SHA, this.#keys.length, ...this.#keys, ...args)
      .catch((error: unknown) => {
        if (!errorMessage(error).includes('NOSCRIPT')) throw error;
        return client.eval(RATE_LIMIT_SCRIPT, this.#keys.length, ...this.#keys, ...args);
      });
  }
}
