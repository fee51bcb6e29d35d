/**
 * The memory tier's map: at most `max` entries, evicting the least recently used one, and
 * sized by what it holds rather than by `max`.
 *
 * Recency is a doubly linked list of slot numbers in two `Int32Array`s, as in lru-cache: a hit
 * that makes an entry the most recent rewrites four integers. The first version linked node
 * objects instead, and every such hit wrote object pointers (each one through V8's write
 * barrier): with ids cycling over 1 000 keys that move cost 13 of a sync hit's 41 ns
 * (bench/realistic), against about 2 ns for the integer links.
 *
 * lru-cache itself is not used because it allocates its slot arrays at `max` on construction
 * (about 160 KB and over a millisecond for the default 10 000), and `@cached` makes one memo
 * per instance: a request-scoped service paid that on its first call. These arrays start at 8
 * slots and double as entries arrive, up to `max`; a full map reuses the evicted slot, and a
 * deleted slot is reused by the next entry, so steady churn allocates nothing.
 *
 * Keys are strings or numbers: a `Map` keeps `1` and `'1'` apart, and a lone number argument
 * is looked up as itself instead of through a string built (and hashed) on every call.
 */

/** A key of an {@link Lru}. */
export type LruKey = string | number;

/** No slot: the end of the recency list. */
const NONE = -1;
/** Slots allocated on the first entry; the arrays double from there, up to `max`. */
const FIRST_CAPACITY = 8;

/** A map of at most `max` entries that forgets the least recently used one first. */
export class Lru<V> {
  /** The bound: storing one more entry evicts the least recently used. */
  readonly max: number;
  /** Key to slot. */
  readonly #slots = new Map<LruKey, number>();
  #keys: LruKey[] = [];
  #values: (V | undefined)[] = [];
  /** Per slot, the next more recently used slot. */
  #newer = new Int32Array(0);
  /** Per slot, the next less recently used slot. */
  #older = new Int32Array(0);
  #newest = NONE;
  #oldest = NONE;
  /** Slots freed by `delete`, reused first. */
  #free: number[] = [];

  constructor(max: number) {
    this.max = max;
  }

  /** How many entries it holds. */
  get size(): number {
    return this.#slots.size;
  }

  /** The value of `key`, which becomes the most recently used; `undefined` if absent. */
  get(key: LruKey): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    if (slot !== this.#newest) {
      this.#unlink(slot);
      this.#pushNewest(slot);
    }
    return this.#values[slot];
  }

  /** The value of `key` without making it the most recently used; `undefined` if absent. */
  peek(key: LruKey): V | undefined {
    const slot = this.#slots.get(key);
    return slot === undefined ? undefined : this.#values[slot];
  }

  /** Stores `value` under `key` as the most recently used entry, evicting the oldest if full. */
  set(key: LruKey, value: V): void {
    let slot = this.#slots.get(key);
    if (slot !== undefined) {
      this.#values[slot] = value;
      if (slot !== this.#newest) {
        this.#unlink(slot);
        this.#pushNewest(slot);
      }
      return;
    }
    if (this.#slots.size >= this.max) {
      // Full: the oldest entry leaves and its slot carries the new one.
      slot = this.#oldest;
      this.#slots.delete(this.#keys[slot]!);
      this.#unlink(slot);
    } else {
      slot = this.#freeSlot();
    }
    this.#keys[slot] = key;
    this.#values[slot] = value;
    this.#slots.set(key, slot);
    this.#pushNewest(slot);
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: LruKey): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#slots.delete(key);
    this.#unlink(slot);
    // Let the value (and a long key) be collected now, not when the slot is reused.
    this.#values[slot] = undefined;
    this.#keys[slot] = 0;
    this.#free.push(slot);
    return true;
  }

  /** Removes every entry (and gives the slot arrays back: a cleared memo may stay small). */
  clear(): void {
    this.#slots.clear();
    this.#keys = [];
    this.#values = [];
    this.#newer = new Int32Array(0);
    this.#older = new Int32Array(0);
    this.#newest = NONE;
    this.#oldest = NONE;
    this.#free = [];
  }

  /** Keys from the most to the least recently used (for tests and diagnostics). */
  *keys(): IterableIterator<LruKey> {
    for (let slot = this.#newest; slot !== NONE; slot = this.#older[slot]!) yield this.#keys[slot]!;
  }

  /** A slot for a new entry (the map is not full): a freed one, else the next unused one. */
  #freeSlot(): number {
    const freed = this.#free.pop();
    if (freed !== undefined) return freed;
    // No slot was freed, so slots 0 .. size-1 are all taken.
    const slot = this.#slots.size;
    if (slot === this.#newer.length) this.#grow();
    return slot;
  }

  /** Doubles the link arrays (at least FIRST_CAPACITY slots, at most `max`). */
  #grow(): void {
    const capacity = Math.min(this.max, Math.max(FIRST_CAPACITY, this.#newer.length * 2));
    const newer = new Int32Array(capacity);
    const older = new Int32Array(capacity);
    newer.set(this.#newer);
    older.set(this.#older);
    this.#newer = newer;
    this.#older = older;
  }

  #unlink(slot: number): void {
    const newer = this.#newer[slot]!;
    const older = this.#older[slot]!;
    if (newer === NONE) this.#newest = older;
    else this.#older[newer] = older;
    if (older === NONE) this.#oldest = newer;
    else this.#newer[older] = newer;
  }

  #pushNewest(slot: number): void {
    const newest = this.#newest;
    this.#older[slot] = newest;
    this.#newer[slot] = NONE;
    if (newest === NONE) this.#oldest = slot;
    else this.#newer[newest] = slot;
    this.#newest = slot;
  }
}
