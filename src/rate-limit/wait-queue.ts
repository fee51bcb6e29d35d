/**
 * The local engine's queue of waiting calls: FIFO within a priority level, level 0 first.
 */
import { PRIORITIES } from './priority.js';

/** FIFO per priority level; level 0 is served first. Arrays with a moving head (no `shift()` copies). */
export class WaitQueue<T> {
  // Allocated while calls wait, released when the queue empties: most budgets (one per key)
  // never queue anything, and cost nothing here.
  #levels: T[][] | undefined;
  #heads: number[] | undefined;
  size = 0;

  push(entry: T, priority: number): void {
    if (this.#levels === undefined) {
      this.#levels = Array.from({ length: PRIORITIES }, () => []);
      this.#heads = new Array<number>(PRIORITIES).fill(0);
    }
    this.#levels[priority]!.push(entry);
    this.size++;
  }

  /** Takes out every entry `drop` selects, keeping the others in order; returns those taken. */
  removeWhere(drop: (entry: T) => boolean): T[] {
    const taken: T[] = [];
    const levels = this.#levels;
    const heads = this.#heads;
    if (levels === undefined || heads === undefined) return taken;
    for (let p = 0; p < PRIORITIES; p++) {
      const level = levels[p]!;
      const kept: T[] = [];
      for (let i = heads[p]!; i < level.length; i++) {
        const entry = level[i]!;
        (drop(entry) ? taken : kept).push(entry);
      }
      levels[p] = kept;
      heads[p] = 0;
    }
    this.size -= taken.length;
    if (this.size === 0) this.#levels = this.#heads = undefined;
    return taken;
  }

  /** The entry {@link WaitQueue.shift} would take, left in place. */
  peek(): T | undefined {
    const levels = this.#levels;
    const heads = this.#heads;
    if (levels === undefined || heads === undefined) return undefined;
    for (let p = 0; p < PRIORITIES; p++) {
      if (heads[p]! < levels[p]!.length) return levels[p]![heads[p]!];
    }
    return undefined;
  }

  shift(): T | undefined {
    const levels = this.#levels;
    const heads = this.#heads;
    if (levels === undefined || heads === undefined) return undefined;
    for (let p = 0; p < PRIORITIES; p++) {
      const level = levels[p]!;
      const head = heads[p]!;
      if (head < level.length) {
        const entry = level[head]!;
        level[head] = undefined as unknown as T;
        if (head + 1 === level.length) {
          level.length = 0;
          heads[p] = 0;
        } else if (head + 1 > 1024 && (head + 1) * 2 > level.length) {
          level.splice(0, head + 1);
          heads[p] = 0;
        } else {
          heads[p] = head + 1;
        }
        if (--this.size === 0) this.#levels = this.#heads = undefined;
        return entry;
      }
    }
    return undefined;
  }
}
