/**
 * Per-key budgets (`key`): one engine per key (local, or the Redis engine on the key's own
 * slot), made on first use and released once idle.
 */
import type { Call } from '../core/call.js';
import { unrefTimeout, type Clock } from '../core/clock.js';
import { mapKey } from '../core/key.js';
import type { Engine } from './engine.js';
import type { RateLimitFigures } from './figures.js';

/** An engine that can tell when it may be released (the local and the Redis engine). */
export interface KeyedEngine extends Engine {
  /** How long after its last start the engine may still remember something, ms. */
  readonly idleAfter: number;
  /** Whether a fresh engine would behave exactly like this one now. */
  isIdle(): boolean;
}

/** The shortest time between two sweeps of idle keys, ms. */
const MIN_SWEEP_MS = 1_000;

/**
 * The budgets of one keyed limit (per owner, or of a shared limiter): one engine per key,
 * released once idle, on their own.
 *
 * Two generations of keys and one timer (not one per key): `current` holds the keys used since
 * the last sweep, `previous` those used in the generation before. Every `period` (the engines'
 * idle horizon, at least 1 s) the sweep drops the idle engines of `previous`, keeps the others
 * (calls queued or running, a window not yet over) for the next sweep, and starts a new
 * generation. A key used again moves back to `current` on its first use in a generation (one
 * Map move), so the sweep only looks at keys unused for a whole generation, and an idle key is
 * released at most two periods after its last start. The timer runs only while keys are held
 * and never keeps the process alive.
 */
export class KeyedEngines {
  #current = new Map<unknown, KeyedEngine>();
  #previous = new Map<unknown, KeyedEngine>();
  readonly #create: (key: unknown, where: string) => KeyedEngine;
  readonly #release: ((engine: KeyedEngine) => void) | undefined;
  readonly #clock: Clock;
  #period = 0;
  #timer: unknown = undefined;
  /** The figures that show this limit's key count (one per method using it). */
  readonly #figures = new Set<RateLimitFigures>();

  /**
   * `create` makes the engine of a key (as `mapKey` made it; it may throw `E_UNKEYABLE` naming
   * `where`); `release` is told of each engine the sweep drops.
   */
  constructor(
    create: (key: unknown, where: string) => KeyedEngine,
    clock: Clock,
    release?: (engine: KeyedEngine) => void,
  ) {
    this.#create = create;
    this.#clock = clock;
    this.#release = release;
  }

  /** Counts this limit's keys in `figures` (`stats()` `keys`) from now on. */
  countIn(figures: RateLimitFigures): void {
    if (this.#figures.has(figures)) return;
    this.#figures.add(figures);
    figures.tracksKeys = true;
    figures.keys += this.#current.size + this.#previous.size;
  }

  /**
   * The budget of `call`'s key: `key` called with its arguments (and `this`), as a stable map
   * key. Throws what `key` throws, and `E_UNKEYABLE` for a key that cannot be told apart
   * (`where` names the method in that message).
   */
  engineFor(
    call: Call,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    key: (...args: any[]) => unknown,
    where: string,
  ): KeyedEngine {
    return this.get(mapKey(key.apply(call.instance, call.args), where), where);
  }

  get(key: unknown, where: string): KeyedEngine {
    let engine = this.#current.get(key);
    if (engine !== undefined) return engine;
    engine = this.#previous.get(key);
    if (engine !== undefined) {
      this.#previous.delete(key);
    } else {
      engine = this.#create(key, where);
      this.#count(1);
      if (this.#timer === undefined) {
        this.#period = Math.max(MIN_SWEEP_MS, engine.idleAfter);
        this.#arm();
      }
    }
    this.#current.set(key, engine);
    return engine;
  }

  #count(delta: number): void {
    for (const figures of this.#figures) figures.keys += delta;
  }

  #arm(): void {
    this.#timer = unrefTimeout(this.#clock, this.#sweep, this.#period);
  }

  readonly #sweep = (): void => {
    this.#timer = undefined;
    const kept = this.#current;
    let released = 0;
    for (const [key, engine] of this.#previous) {
      if (engine.isIdle()) {
        released++;
        this.#release?.(engine);
      } else kept.set(key, engine);
    }
    if (released > 0) this.#count(-released);
    this.#previous = kept;
    this.#current = new Map();
    if (kept.size > 0) this.#arm();
  };
}
