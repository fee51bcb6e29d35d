/**
 * A shared tier for failure tests: every call works, fails (rejects with `failure`) or hangs
 * forever, as `mode` says at the time of the call.
 */
import type { CacheStore } from '../../src/index.js';

/** A store whose every call can be made to hang, fail or work. */
export class ControlledStore implements CacheStore {
  mode: 'hang' | 'fail' | 'ok' = 'ok';
  calls = 0;
  readonly data = new Map<string, unknown>();

  /** `failure`: the message of the error a failing call rejects with (e.g. `'ECONNREFUSED'`). */
  constructor(readonly failure = 'ECONNREFUSED') {}

  #answer<T>(value: () => T): Promise<T> {
    this.calls++;
    if (this.mode === 'hang') return new Promise<T>(() => {});
    if (this.mode === 'fail') return Promise.reject(new Error(this.failure));
    return Promise.resolve(value());
  }

  get(key: string): Promise<unknown> {
    return this.#answer(() => this.data.get(key));
  }

  set(key: string, value: unknown): Promise<unknown> {
    return this.#answer(() => this.data.set(key, value) && true);
  }

  delete(key: string): Promise<unknown> {
    return this.#answer(() => this.data.delete(key));
  }
}
