/**
 * The record every path past a fresh memory hit works on (`KeyedCall`): stale serving,
 * single flight, the misses, the distributed lock, the background refresh.
 */
import type { Call } from '../core/call.js';
import type { Invoke } from '../core/site.js';
import type { LruKey } from './lru.js';
import type { OwnerMemo } from './owner-memo.js';

/**
 * A call that was not served by a fresh memory hit, with its owner's memo and its keys. Built
 * once, when the hit path hands the call on: a hit builds none.
 */
export interface KeyedCall {
  /** The memo of the call's owner (or of its registry, for shared scope). */
  readonly memo: OwnerMemo;
  /** The full key: single flight, the shared tiers, the lock, events. */
  readonly key: string;
  /**
   * The L1 key: `key`, the lone string argument itself when `raw`, or the lone number argument
   * itself (a number, which no string key can equal).
   */
  readonly l1: LruKey;
  /** Whether `l1` is the lone string argument rather than the full key (see `Entry.raw`). */
  readonly raw: boolean;
  readonly call: Call;
  /** The rest of the layer chain, which ends in the method. */
  readonly inner: Invoke;
}
