/**
 * The memory tier's map: at most `max` entries, evicting the least recently used one, and
 * sized by what it holds rather than by `max`.
 *
 * Recency is a doubly linked list through the entries' nodes, linked by slot number (a small
 * integer) rather than by reference: a hit that makes an entry the most recent rewrites four
 * integer fields, which V8 stores without a write barrier, where object links went through one
 * per write (about 3 ns of a 30 ns sync hit with ids cycling over 1 000 keys,
 * bench/realistic). A slot's node is found in one array. Integer arrays for the links alone
 * (as lru-cache has) measured the same but cost a one-entry memo about 750 bytes more: four
 * arrays instead of one, and `@cached` makes one memo per instance.
 *
 * lru-cache itself is not used because it allocates its slot arrays at `max` on construction
 * (about 160 KB and over a millisecond for the default 10 000): a request-scoped service paid
 * that on its first call. Here the slot array grows by one per entry, up to `max`; a full map
 * reuses the evicted node, and a deleted node's slot is reused by the next entry, so steady
 * churn allocates nothing.
 *
 * Keys are strings or numbers: a `Map` keeps `1` and `'1'` apart, and a lone number argument
 * is looked up as itself instead of through a string built (and hashed) on every call.
 */

/** A key of an {@link Lru}. */
export type LruKey = string | number;

/** No slot: the end of the recency list. */
const NONE = -1;

class Node<V> {
  /** The slot of the next more recently used node, or NONE. */
  newer = NONE;
  /** The slot of the next less recently used node, or NONE. */
  older = NONE;
  constructor(
    /** This node's index in the slot array. */
    readonly slot: number,
    public key: LruKey,
    public value: V,
  ) {}
}

/** A map of at most `max` entries that forgets the least recently used one first. */
export class Lru<V> {
  /** The bound: storing one more entry evicts the least recently used. */
  readonly max: number;
  readonly #nodes = new Map<LruKey, Node<V>>();
  /** Slot to node: every node made, in use or freed. */
  #slots: Node<V>[] = [];
  #newest = NONE;
  #oldest = NONE;
  /** Nodes freed by `delete`, reused first (none until the first `delete`). */
  #free: Node<V>[] | undefined = undefined;

  constructor(max: number) {
    this.max = max;
  }

  /** How many entries it holds. */
  get size(): number {
    return this.#nodes.size;
  }

  /** The value of `key`, which becomes the most recently used; `undefined` if absent. */
  get(key: LruKey): V | undefined {
    const node = this.#nodes.get(key);
    if (node === undefined) return undefined;
    if (node.slot !== this.#newest) {
      this.#unlink(node);
      this.#pushNewest(node);
    }
    return node.value;
  }

  /** The value of `key` without making it the most recently used; `undefined` if absent. */
  peek(key: LruKey): V | undefined {
    return this.#nodes.get(key)?.value;
  }

  /** Stores `value` under `key` as the most recently used entry, evicting the oldest if full. */
  set(key: LruKey, value: V): void {
    let node = this.#nodes.get(key);
    if (node !== undefined) {
      node.value = value;
      if (node.slot !== this.#newest) {
        this.#unlink(node);
        this.#pushNewest(node);
      }
      return;
    }
    if (this.#nodes.size >= this.max) {
      // Full: the oldest node leaves and carries the new entry.
      node = this.#slots[this.#oldest]!;
      this.#nodes.delete(node.key);
      this.#unlink(node);
      node.key = key;
      node.value = value;
    } else {
      node = this.#free?.pop();
      if (node === undefined) {
        node = new Node(this.#slots.length, key, value);
        // A literal holds just its elements, where a first push reserves 17 slots: most
        // memos (one per instance) hold one entry.
        if (this.#slots.length === 0) this.#slots = [node];
        else this.#slots.push(node);
      } else {
        node.key = key;
        node.value = value;
      }
    }
    this.#nodes.set(key, node);
    this.#pushNewest(node);
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: LruKey): boolean {
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    this.#nodes.delete(key);
    this.#unlink(node);
    // Let the value (and a long key) be collected now, not when the node is reused.
    node.value = undefined as V;
    node.key = 0;
    (this.#free ??= []).push(node);
    return true;
  }

  /** Removes every entry (and its nodes: a cleared memo may stay small). */
  clear(): void {
    this.#nodes.clear();
    this.#slots = [];
    this.#free = undefined;
    this.#newest = NONE;
    this.#oldest = NONE;
  }

  /** Keys from the most to the least recently used (for tests and diagnostics). */
  *keys(): IterableIterator<LruKey> {
    for (let slot = this.#newest; slot !== NONE; slot = this.#slots[slot]!.older) {
      yield this.#slots[slot]!.key;
    }
  }

  #unlink(node: Node<V>): void {
    const { newer, older } = node;
    if (newer === NONE) this.#newest = older;
    else this.#slots[newer]!.older = older;
    if (older === NONE) this.#oldest = newer;
    else this.#slots[older]!.newer = newer;
    node.newer = NONE;
    node.older = NONE;
  }

  #pushNewest(node: Node<V>): void {
    const newest = this.#newest;
    node.older = newest;
    if (newest === NONE) this.#oldest = node.slot;
    else this.#slots[newest]!.newer = node.slot;
    this.#newest = node.slot;
  }
}
