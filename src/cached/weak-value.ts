/**
 * `@cached({ weak: true })`: an object result held through a `WeakRef` ({@link WeakValue}), so
 * its entry lasts only as long as something else references the value (the desktop app's
 * `WeakValueCache`). A `FinalizationRegistry` per memo drops the key once the value is
 * collected; a hit that finds the value gone before that callback ran is a miss.
 *
 * The entry keeps the shape of every other entry (`Entry`): its `result` and `value` are the
 * `WeakValue`, which the weak invoker ({@link weakHits}) turns back into the value. The plain
 * hit path is the same function for both kinds and reads no new field, so `weak` adds nothing
 * to a method that does not use it.
 */
import type { Call } from '../core/call.js';
import type { Invoke } from '../core/site.js';
import type { LruKey } from './lru.js';
import type { Memo } from './memory-tier.js';
import type { OwnerMemo } from './owner-memo.js';

/** One finalization registry per memo: it dies with the memo, callbacks and all. */
const finalizers = new WeakMap<Memo, FinalizationRegistry<WeakValue>>();

/** Whether `value` can be held weakly (objects and functions; primitives are held strongly). */
export function holdsWeakly(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** An object result held weakly in the memory tier, with the slot it occupies there. */
export class WeakValue {
  readonly #ref: WeakRef<object>;

  /** `async`: whether a hit answers with a promise of the value (the method's was a promise). */
  constructor(
    value: object,
    readonly async: boolean,
    readonly memo: OwnerMemo,
    readonly l1: LruKey,
  ) {
    this.#ref = new WeakRef(value);
    let finalizer = finalizers.get(memo);
    if (finalizer === undefined) {
      finalizer = new FinalizationRegistry((held) => held.drop());
      finalizers.set(memo, finalizer);
    }
    finalizer.register(value, this);
  }

  /** Removes its entry from the memo, unless the slot already holds another entry. */
  drop(): void {
    const lru = this.memo.lru;
    if (lru.peek(this.l1)?.result === this) lru.delete(this.l1);
  }

  /**
   * What a hit returns: the value (or a promise of it, made per hit: holding a settled promise
   * would hold the value); when the value is gone, the entry is dropped and `retry` runs the
   * call again, now a miss.
   */
  answer(call: Call, retry: Invoke): unknown {
    const value = this.#ref.deref();
    if (value !== undefined) return this.async ? Promise.resolve(value) : value;
    // Collected before the finalization callback ran: the hit just counted was none.
    this.memo.figures.memoryHits--;
    this.drop();
    return retry(call);
  }
}

/**
 * The invoker of `@cached({ weak: true })`: the plain hit path, whose hits on weakly held
 * values it answers with the value, or turns into misses once the value is gone.
 */
export function weakHits(hit: Invoke): Invoke {
  return function weakHit(call) {
    const result = hit(call);
    return result instanceof WeakValue ? result.answer(call, hit) : result;
  };
}
