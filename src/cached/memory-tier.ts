/**
 * The in-process tier (L1): a bounded LRU map of decoded entries per state owner, plus the
 * calls in flight for single flight.
 *
 * Expiry, staleness and tags are checked by `@cached` against fields of the entry, and only
 * when those options are set, so a hit on a method without `ttl`/`tags` costs one `get` and
 * nothing else. A memo costs what it holds, not its bound: a new instance's first call stores
 * one entry (see lru.ts).
 */
import { Lru } from './lru.js';

/** The fields of an {@link Entry}, named (a record, not eight positional arguments). */
export interface EntryFields {
  /** What a hit returns. */
  readonly result: unknown;
  /** The decoded value. */
  readonly value: unknown;
  /** Clock time from which the entry is no longer fresh (`Infinity` without `ttl`). */
  readonly expires: number;
  /** Clock time until which the entry may still be served stale (`staleWhileRevalidate`/`staleIfError`). */
  readonly staleUntil: number;
  /** Process-local sequence number taken when its computation started (tag checks in L1). */
  readonly seq: number;
  /** Clock time when its computation started (tag checks across processes). */
  readonly created: number;
  /** Its tags, or undefined. */
  readonly tags: readonly string[] | undefined;
  /**
   * Whether its L1 key is a lone string argument itself rather than the full argument key (a
   * hit then skips building the key). A hit must match this flag: a raw key that happens to
   * equal another call's argument key is a miss, never a wrong value.
   */
  readonly raw: boolean;
}

/**
 * One cached value. `result` is what a hit returns: the value itself for a synchronous method,
 * or a promise resolved with it, made once when the entry is written, for an asynchronous one
 * (every hit returns that same settled promise: no allocation, no await).
 *
 * A class, every field assigned in one order: all entries share one shape, so the hit path's
 * field reads stay monomorphic.
 */
export class Entry implements EntryFields {
  readonly result: unknown;
  readonly value: unknown;
  readonly expires: number;
  readonly staleUntil: number;
  readonly seq: number;
  readonly created: number;
  readonly tags: readonly string[] | undefined;
  readonly raw: boolean;

  constructor(fields: EntryFields) {
    this.result = fields.result;
    this.value = fields.value;
    this.expires = fields.expires;
    this.staleUntil = fields.staleUntil;
    this.seq = fields.seq;
    this.created = fields.created;
    this.tags = fields.tags;
    this.raw = fields.raw;
  }
}

const ANCHOR = Symbol('hotpath.anchor');

/**
 * Gives `map` an entry under a symbol, which no lookup by a string key finds, so that deletes
 * never leave it empty. V8 reallocates a `Map`'s table when a delete leaves it (nearly) empty:
 * the computations in flight of a method called one at a time go from none to one and back on
 * every miss, and paid that on each (about 0.5 µs of CPU per read through a shared tier one at
 * a time, measured with the store answering after one event-loop turn; see BENCHMARKS.md).
 */
function anchored<K, V>(map: Map<K, V>): Map<K, V> {
  (map as unknown as Map<symbol, undefined>).set(ANCHOR, undefined);
  return map;
}

/** One owner's L1: the LRU, the computations in flight, the background refreshes running. */
export class Memo {
  readonly lru: Lru<Entry>;
  /** Computations in flight per key: concurrent misses share them. Never empty: see {@link anchored}. */
  readonly inflight = anchored(new Map<string, Promise<unknown>>());
  /** Keys whose background refresh (`staleWhileRevalidate`) is running, with that refresh's token. */
  readonly refreshing = new Map<string, object>();

  constructor(max: number) {
    this.lru = new Lru<Entry>(max);
  }

  /** Drops every entry and forgets the computations and refreshes in flight (their results will not be stored). */
  clear(): void {
    this.lru.clear();
    this.inflight.clear();
    anchored(this.inflight);
    this.refreshing.clear();
  }

  /**
   * Drops one key (and its computation or refresh in flight, whose result will not be stored).
   * `key` is the full argument key; a lone string argument's entry, kept under the raw string,
   * and a lone number argument's, kept under the number, go too.
   */
  delete(key: string): void {
    if (key.charCodeAt(0) === 39 /* ' */) {
      this.lru.delete(key);
      this.lru.delete(key.slice(1));
    } else {
      // A raw entry in this slot is a lone string's (full key `'…`), not this key's.
      if (this.lru.peek(key)?.raw !== true) this.lru.delete(key);
      // The full key of a lone number is `String(n)` (`NaN`, `-1.5`, `1e+21`, ...).
      const n = Number(key);
      if (String(n) === key) this.lru.delete(n);
    }
    this.inflight.delete(key);
    this.refreshing.delete(key);
  }
}
