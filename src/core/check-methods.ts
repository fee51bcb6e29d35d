/**
 * The check behind every option that takes an object hotpath calls methods on (a store, a bus,
 * a lock, a clock): the message names the methods that are missing, since an instance's
 * prototype methods do not show when it is printed.
 */
import { optionError, type OptionSite } from './options.js';

/**
 * Checks that `value` (option `option`) is an object with every method in `methods`; the
 * message names what is missing, since an instance's prototype methods do not show in it.
 * `hint` is appended when `value` is a string (a URL passed where a client belongs).
 */
export function checkMethods(
  site: OptionSite,
  option: string,
  value: unknown,
  methods: readonly string[],
  expected: string,
  hint?: string,
): void {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    throw optionError(site, option, expected, value, typeof value === 'string' ? hint : undefined);
  }
  const missing = methods.filter(
    (m) => typeof (value as Record<string, unknown>)[m] !== 'function',
  );
  if (missing.length === 0) return;
  const list =
    missing.length === 1
      ? `${missing[0]}()`
      : `${missing
          .slice(0, -1)
          .map((m) => `${m}()`)
          .join(', ')} or ${missing[missing.length - 1]}()`;
  throw optionError(site, option, expected, value, `it has no ${list}`);
}
