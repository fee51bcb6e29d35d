/**
 * `@batched`: DataLoader-grade coalescing for methods whose body handles a whole batch.
 *
 * Events on the `hotpath:event` channel (decorator `'batched'`):
 * - `dispatch` — a batch goes to the body: `{ size, requested, reason, group? }`, where `size`
 *   is the body's input length, `requested` the items callers asked for (before dedupe),
 *   `reason` one of `'tick'`, `'wait'` (`maxWait` elapsed), `'full'` (`maxBatchSize`) or
 *   `'flush'` (`control().flush()` / `shutdown()`), and `group` the stable key of the `rest`
 *   arguments when there are any.
 */
import { createDecorator, type HotpathDecorator } from '../core/intercept.js';
import type { Invoke, ShortcutLayer } from '../core/site.js';
import { resolveBatchedOptions, type BatchedOptions } from './options.js';
import { BatchEngine } from './batch-engine.js';

/**
 * The methods `@batched` accepts: the first parameter is the array of items, the result a
 * promise of one result per item (in order), or a promise of nothing (write-behind).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- any item and rest types */
export type BatchedMethod<T = any> = (
  items: T[],
  ...rest: any[]
) => Promise<readonly unknown[] | void>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * Turns a method `(items: T[], ...rest) => Promise<R[]>` whose body handles a whole batch into
 * one that callers call with their own few items (`await repo.load([id])`): calls made in the
 * same tick (or within `maxWait` of a batch's first call) are merged into one body call, and
 * each caller receives the results at its own positions, in order.
 *
 * - Scheduling: `maxWait: 0` (default) is DataLoader's: after the current tick's promise jobs,
 *   so calls inside resolved promise chains join (on the `process.nextTick` captured when
 *   hotpath loaded, so Jest's fake timers do not hold tick batches); `maxWait > 0` collects for
 *   that long after a batch's first call, on the registry's clock, and that timer keeps the
 *   process alive until the batch is written. A batch that reaches `maxBatchSize` is
 *   dispatched at once (its body starts inside the call that filled it); a caller with more
 *   items than that spans batches and still gets one array.
 * - State per owner (instance, constructor for statics, the wrapper for the functional form);
 *   calls whose `rest` arguments differ by the stable key (structure, not identity) batch
 *   separately, and the body receives that group's `rest`. Trailing `undefined` arguments count
 *   as left out.
 * - Dedupe (default on): an item asked for by several callers of one batch reaches the body
 *   once; every caller gets the result. Items are the same when `itemKey` says so, else
 *   primitives by value and objects by structure (as `core/key.ts` keys them). An item that
 *   cannot be keyed rejects its caller with `E_UNKEYABLE`. With `maxBatchSize` set, dedupe
 *   happens as items arrive (the limit counts distinct items); without, it happens once at
 *   dispatch (cheaper).
 *   Dedupe is per batch: DataLoader's cache across batches is `@cached`'s job.
 * - Results: the body must resolve to an array of its input's length, else every caller of
 *   the batch rejects with `BatchError` (`E_BATCH_CONTRACT`, naming the method and both
 *   lengths). An `Error` element rejects only the callers asking for that item. A body that
 *   throws or rejects rejects every caller with that same error.
 * - Write-behind: a body that resolves to `undefined` (a `Promise<void>` method) resolves each
 *   caller with `undefined` once the batch holding its items is written. `undefined` is the
 *   one non-array the contract accepts; `null`, numbers, objects are contract errors. Until a
 *   method's body has returned an array, its callers' promises notice whether anyone awaits
 *   them: a failed write nobody awaits goes to `registry.on('error')` (once per error), never
 *   to an unhandled rejection.
 * - A call with no items resolves to `[]` without reaching the body; a first argument that is
 *   not an array rejects with a `TypeError`.
 * - `control(obj, 'm')`: `flush()` dispatches the owner's collecting batches now and resolves
 *   when they and those already running have finished; `pending()` is true while a batch is
 *   collecting or running; `cancel()` drops collecting batches (callers reject with
 *   `E_CANCELLED`); `stats()` gives the figures. `registry.shutdown()` flushes every pending
 *   batch of its instances and waits.
 * - Figures (`registry.stats()`): `batches`, `items` (sent to the body), `requested` (asked by
 *   callers), `dedupeSaved`, `meanBatchSize`, `maxBatchSize`, `errors` (whole batches),
 *   `itemErrors` (`Error` elements in results), `cancelled` (callers).
 *
 * Cost per single-item call: a `WeakMap` lookup for the owner's queue (skipped while one owner
 * keeps calling), one derived promise of a shared per-batch promise, and two array pushes (the
 * item, and that promise, kept in small chunks so that a cancellation or a shutdown can keep
 * its rejection from going unhandled); no closure, no resolving functions, no record, and (on
 * a method, `obj.m([item])`, once a body has returned an array) no `Call` or arguments array.
 * A caller with several items costs one small record and its own promise; dedupe costs a `Map`
 * lookup per item with `maxBatchSize`, else one check per batch at dispatch (a byte map for
 * dense integer ids, else a `Set`). Per
 * batch: one scheduling job (or timer) and the body call.
 *
 * @example
 * class UserRepo {
 *   @batched({ maxBatchSize: 500 })
 *   async byIds(ids: string[]): Promise<(User | Error)[]> {
 *     const rows = await db.query('select * from users where id = any($1)', [ids]);
 *     return ids.map((id) => rows.find((r) => r.id === id) ?? new NotFound(id));
 *   }
 * }
 * const [user] = await repo.byIds([id]); // one query for every byIds() call of this tick
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any item type unless itemKey says
export function batched<T = any>(options?: BatchedOptions<T>): HotpathDecorator<BatchedMethod<T>> {
  return createDecorator<BatchedMethod<T>>({
    name: 'batched',
    layer(site): ShortcutLayer {
      const resolved = resolveBatchedOptions(site, options as BatchedOptions<never> | undefined);
      let engine: BatchEngine | undefined;
      return {
        decorator: 'batched',
        async: true,
        wrap(inner: Invoke, s) {
          const e = (engine = new BatchEngine(inner, s, resolved));
          return (call) => e.enqueue(call);
        },
        // Compiled after `wrap`; the functional form has none (its body needs the call's `this`).
        shortcut: (s) => (s.kind === 'method' ? engine?.shortcut() : undefined),
        control: {
          flush: (ctx) => engine?.flush(ctx.owner),
          pending: (ctx) => engine?.pending(ctx.owner) ?? false,
          cancel: (ctx) => engine?.cancel(ctx.owner),
          stats: (ctx) => engine?.stats(ctx.owner, ctx.runtime) ?? {},
        },
      };
    },
  });
}
