/**
 * tarn, loaded when hotpath first builds a pool rather than at `import 'hotpath'`: an
 * application that pools nothing never loads it. Through `require` in both builds (tarn is
 * CommonJS).
 */
import type * as Tarn from 'tarn';
import { requireHere } from '../core/require-here.js';

/** tarn's pool, as hotpath uses it. */
export type TarnPool<T> = Tarn.Pool<T>;

/**
 * What hotpath uses of tarn's (protected) bookkeeping, in tarn-pool.ts: to destroy a lent
 * resource, and to count resources still being destroyed against `max`. tarn is pinned to
 * 3.1.2, whose internals these are; the tests cover both paths.
 */
export interface TarnInternals<T> {
  used: { resource: T; settle(): void }[];
  pendingCreates: unknown[];
  pendingAcquires: { abort(): void }[];
  pendingDestroys: unknown[];
  _destroy(resource: T): Promise<unknown>;
  _tryAcquireOrCreate(): void;
  _shouldCreateMoreResources(): boolean;
}

let loaded: typeof Tarn | undefined;

/** The tarn module (`Pool`, `TimeoutError`), loaded on first use. */
export function tarn(): typeof Tarn {
  return (loaded ??= requireHere('tarn') as typeof Tarn);
}
