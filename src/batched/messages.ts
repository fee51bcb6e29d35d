/**
 * Every error and report text `@batched` produces at run time, in one place.
 */
import { describeValue, messagePrefix } from '../core/options.js';
import { BatchError, HotpathError } from '../errors.js';

/** The house prefix of a message about the method: `@batched on Class.method:`. */
function prefix(method: string): string {
  return messagePrefix({ decorator: 'batched', where: method });
}

/** `1 item`, `2 items` (`words` for irregular plurals). */
function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}

/** A call whose first argument is not the array of items. */
export function notAnArrayError(method: string, items: unknown): TypeError {
  return new TypeError(
    `${prefix(method)} the first argument must be an array of items, got ${describeValue(items)}`,
  );
}

/**
 * The body broke the result contract: `result` is not an array of `n` results (nor nothing, for
 * a write-behind batch).
 */
export function contractError(method: string, n: number, result: unknown): BatchError {
  const message = Array.isArray(result)
    ? `${prefix(method)} the body returned ${plural(result.length, 'result')} for ${plural(n, 'item')}; it must return one result per item, in order (or nothing, for a write-behind batch)`
    : `${prefix(method)} the body must return an array of ${plural(n, 'result')} (one per item, in order) or nothing (for a write-behind batch), got ${describeValue(result)}`;
  return new BatchError(message, {
    method,
    expected: n,
    received: Array.isArray(result) ? result.length : undefined,
  });
}

/** What the callers of a collecting batch that `cancel()` dropped reject with. */
export function cancelledError(method: string, items: number): HotpathError {
  return new HotpathError(
    'E_CANCELLED',
    `${method}: a queued batch of ${plural(items, 'item')} was cancelled before it ran`,
  );
}

/** How shutdown's report describes the batches it gave up. */
export function abandonedDetail(batches: number, items: number, calls: number): string {
  return `${plural(batches, 'batch', 'batches')} of ${plural(items, 'item')} not finished (${plural(calls, 'caller')} rejected)`;
}
