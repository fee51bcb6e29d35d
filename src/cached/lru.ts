/**
 * The memory tier's map: at most `max` entries, evicting the least recently used one, and
 * sized by what it holds rather than by `max`.
 *
 * lru-cache, used before, preallocates its slot arrays at `max` on construction (about 160 KB
 * and over a millisecond for the default 10 000), and `@cached` makes one memo per instance:
 * a request-scoped service paid that on its first call. This one starts as an empty `Map`
 * (a few hundred bytes) and keeps recency in a doubly linked list through its nodes; a full map
 * reuses the evicted node, so steady churn allocates nothing.
 *
 * Hit cost: one `Map.get`, and four link updates unless the entry is already the most recent.
 *
 * Keys are strings or numbers: a `Map` keeps `1` and `'1'` apart, and a lone number argument
 * is looked up as itself instead of through a string built (and hashed) on every call.
 */

/** A key of an {@link Lru}. */
export type LruKey = string | number;

class Node<V> {
  /** The next more recently used node. */
  newer: Node<V> | undefined = undefined;
  /** The next less recently used node. */
  older: Node<V> | undefined = undefined;
  constructor(
    public key: LruKey,
    public value: V,
  ) {}
}

/** A map of at most `max` entries that forgets the least recently used one first. */
export class Lru<V> {
  /** The bound: storing one more entry evicts the least recently used. */
  readonly max: number;
  readonly #nodes = new Map<LruKey, Node<V>>();
  #newest: Node<V> | undefined = undefined;
  #oldest: Node<V> | undefined = undefined;

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
    if (node !== this.#newest) {
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
      if (node !== this.#newest) {
        this.#unlink(node);
        this.#pushNewest(node);
      }
      return;
    }
    if (this.#nodes.size >= this.max) {
      // Full: the oldest node leaves and carries the new entry.
      node = this.#oldest!;
      this.#nodes.delete(node.key);
      this.#unlink(node);
      node.key = key;
      node.value = value;
    } else {
      node = new Node(key, value);
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
    node.value = undefined as V;
    return true;
  }

  /** Removes every entry. */
  clear(): void {
    this.#nodes.clear();
    this.#newest = undefined;
    this.#oldest = undefined;
  }

  /** Keys from the most to the least recently used (for tests and diagnostics). */
  *keys(): IterableIterator<LruKey> {
    for (let node = this.#newest; node !== undefined; node = node.older) yield node.key;
  }

  #unlink(node: Node<V>): void {
    const { newer, older } = node;
    if (newer === undefined) this.#newest = older;
    else newer.older = older;
    if (older === undefined) this.#oldest = newer;
    else older.newer = newer;
    node.newer = undefined;
    node.older = undefined;
  }

  #pushNewest(node: Node<V>): void {
    const newest = this.#newest;
    node.older = newest;
    if (newest === undefined) this.#oldest = node;
    else newest.newer = node;
    this.#newest = node;
  }
}
