/**
 * `objectPool(options)`: a synchronous pool of cheap reusable objects (buffers, scratch
 * structures, builders) for code that would otherwise allocate one per call: `acquire()` hands
 * out an idle object or makes one, `release()` resets it and keeps it for the next caller, up
 * to `maxIdle`. No timers, no promises, no tarn: a pop and a push.
 *
 * It pays off when making an object costs more than resetting it (a large typed array, an
 * object graph) or when the garbage it leaves drives the collector (bench/pool.bench.ts
 * measures both against `new`); for small plain objects V8's young-generation allocation is
 * hard to beat.
 */
import { configError, describeValue } from '../core/options.js';
import { isThenable } from '../core/thenable.js';
import { ADOPT } from './internal.js';
import {
  resolveObjectPoolOptions,
  type ObjectPoolOptions,
  type ResolvedObjectPoolOptions,
} from './options.js';

/** An object pool's figures (`pool.stats()`, and the `pools` section of `registry.stats()`). */
export interface ObjectPoolStats {
  /** Idle objects kept at most. */
  maxIdle: number;
  /** Objects kept for reuse now. */
  idle: number;
  /** Objects handed out and not given back. */
  inUse: number;
  /** Objects made by `create()`. */
  created: number;
  /** `acquire()` calls. */
  acquired: number;
  /** `acquire()` calls served by an idle object. */
  reused: number;
  /** `reused / acquired` (`null` before the first `acquire()`). */
  reuseRate: number | null;
  /** Objects given back and not kept: over `maxIdle`, or refused by `validate`. */
  dropped: number;
}

/** A synchronous pool of reusable objects of type `T`, made with {@link objectPool}. */
export class ObjectPool<T> {
  readonly #options: ResolvedObjectPoolOptions<T>;
  #name: string;
  readonly #idle: T[] = [];
  /** The idle objects again, so that giving one back twice is caught (it would be lent twice). */
  readonly #idleSet = new Set<T>();
  #created = 0;
  #acquired = 0;
  #reused = 0;
  #released = 0;
  #dropped = 0;

  /** Use {@link objectPool}. */
  constructor(options: ObjectPoolOptions<T>) {
    this.#options = resolveObjectPoolOptions<T>(options);
    this.#name = this.#options.name ?? 'objectPool';
  }

  /** The pool's name: its `name` option, else its key in `createHotpath({ pools })`. */
  get name(): string {
    return this.#name;
  }

  /** An idle object (the one given back last), or a new one. */
  acquire(): T {
    this.#acquired++;
    const idle = this.#idle;
    if (idle.length > 0) {
      const object = idle.pop()!;
      this.#idleSet.delete(object);
      this.#reused++;
      return object;
    }
    this.#created++;
    return this.#options.create();
  }

  /**
   * Gives `object` back: `reset` runs, then it is kept for reuse unless `validate` refuses it
   * or `maxIdle` objects are idle already (then it is left to the garbage collector). Throws a
   * `TypeError` for an object that is idle already (given back twice).
   */
  release(object: T): void {
    if (this.#idleSet.has(object)) {
      throw configError(
        { where: `objectPool '${this.#name}'` },
        `release() got ${describeValue(object)}, which is idle already (given back twice?)`,
      );
    }
    this.#released++;
    const { reset, validate, maxIdle } = this.#options;
    if (this.#idle.length >= maxIdle) {
      this.#dropped++;
      return;
    }
    reset?.(object);
    if (validate !== undefined && !validate(object)) {
      this.#dropped++;
      return;
    }
    this.#idle.push(object);
    this.#idleSet.add(object);
  }

  /**
   * Runs `fn` with an object and gives it back when `fn` returns or throws (when the promise
   * `fn` returns settles, for an async `fn`). `fn` must not keep the object.
   */
  use<R>(fn: (object: T) => R): R {
    const object = this.acquire();
    let result: R;
    try {
      result = fn(object);
    } catch (error) {
      this.release(object);
      throw error;
    }
    if (!isThenable(result)) {
      this.release(object);
      return result;
    }
    const release = (): void => this.release(object);
    return Promise.resolve(result).finally(release) as R;
  }

  /** Drops every idle object (they go to the garbage collector). */
  clear(): void {
    this.#idle.length = 0;
    this.#idleSet.clear();
  }

  /** The pool's figures now (a fresh object). */
  stats(): ObjectPoolStats {
    return {
      maxIdle: this.#options.maxIdle,
      idle: this.#idle.length,
      inUse: this.#acquired - this.#released,
      created: this.#created,
      acquired: this.#acquired,
      reused: this.#reused,
      reuseRate: this.#acquired === 0 ? null : this.#reused / this.#acquired,
      dropped: this.#dropped,
    };
  }

  /** Taken by a registry: named after its key there (its `name` option, when set, must match). */
  [ADOPT](name: string): void {
    if (this.#options.name !== undefined && this.#options.name !== name) {
      throw configError(
        { where: 'createHotpath' },
        `\`pools.${name}\` is an object pool named '${this.#options.name}'; name it '${name}' or leave its name out`,
      );
    }
    this.#name = name;
  }
}

/**
 * Defines a synchronous pool of reusable objects. Options are checked here (house-form
 * `TypeError`s). Give it to a registry (`createHotpath({ pools: { vectors } })`) to see its
 * figures in `stats()` and `report()`.
 *
 * @example
 * const buffers = objectPool({
 *   create: () => new Float64Array(4096),
 *   reset: (b) => b.fill(0),
 *   maxIdle: 32,
 * });
 * const sum = buffers.use((b) => { fill(b); return total(b); });
 */
export function objectPool<T>(options: ObjectPoolOptions<T>): ObjectPool<T> {
  return new ObjectPool(options);
}
