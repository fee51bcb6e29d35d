/**
 * How the single-item callers of one `@batched` batch get their slices without a closure
 * each: every caller's promise is `gate.then(picker.pick)`, with the batch's one `pick`.
 *
 * A promise runs its reactions in the order they were registered, and queues them all at once
 * when it settles, so nothing runs between them: the k-th run of `pick` answers the k-th
 * caller, and a cursor stands in for a per-caller index. (Before, each position had its own
 * picker function, cached for the first 65 536 positions, about 6.5 MB kept for good; callers
 * past that made one each, about 100 bytes that lived until their batch answered.)
 */

/** Marks a written item of a write-behind batch whose other items could not all be keyed. */
export const WRITTEN = Symbol('written');

/** The single-item callers of one batch: where each one's item is, in call order. */
export class Picker {
  /** Callers so far. */
  #count = 0;
  /**
   * The k-th caller's index in the answers, once some caller's index is not k (a caller
   * with several items in between, or a duplicate with dedupe as items arrive); until then
   * the k-th caller's index is k.
   */
  #indexes: number[] | undefined = undefined;
  /** Callers answered so far. */
  #cursor = 0;

  /** Records the next caller, whose item is at `index`. */
  add(index: number): void {
    const k = this.#count++;
    let indexes = this.#indexes;
    if (indexes === undefined) {
      if (index === k) return;
      this.#indexes = indexes = [];
      for (let i = 0; i < k; i++) indexes.push(i);
    }
    indexes.push(index);
  }

  /**
   * The next caller's slice of a checked batch result: `[result[index]]`; it throws the
   * element when it is an `Error`, and gives `undefined` for a write-behind batch.
   */
  readonly pick = (result: unknown): unknown => {
    const k = this.#cursor++;
    // `undefined`: a write-behind batch; the contract was checked before the gate opened.
    if (result === undefined) return undefined;
    const indexes = this.#indexes;
    const value = (result as unknown[])[indexes === undefined ? k : indexes[k]!];
    if (value instanceof Error) throw value;
    return value === WRITTEN ? undefined : [value];
  };
}
