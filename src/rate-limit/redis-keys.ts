/**
 * The names the native Redis engine gives a limit's keys: `hotpath:rl:{<limit>}:*` for one
 * budget, `hotpath:rl:{<limit>:<key>}:*` for each budget of a limit with `key`. The braces are a
 * hash tag: every key of one budget lives in one cluster slot (one script per decision), and
 * the budgets of a keyed limit spread over the slots.
 *
 * `:`, `{`, `}`, `%` and control characters are percent-escaped in both parts, so that no two
 * budgets share a name (limit `'a:b'` against limit `'a'` with key `'b'`), a `}` cannot end the
 * hash tag early, and `'a%3A'` cannot equal `'a:'`; names without them keep their readable form.
 */
import { HotpathError } from '../errors.js';
import { valueKey } from '../core/key.js';
import { describeValue } from '../core/options.js';

/** Escapes the separators, braces, `%` and control characters of one part of a name. */
function escapePart(part: string): string {
  // eslint-disable-next-line no-control-regex
  return part.replace(/[%:{}\u0000-\u001f\u007f]/g, (c) => {
    return `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  });
}

/** The hash-tagged prefix of a budget's keys: limit `limit`, and `budget` (from {@link budgetName}) if keyed. */
export function redisTag(limit: string, budget?: string): string {
  return `hotpath:rl:{${escapePart(limit)}${budget === undefined ? '' : `:${budget}`}}`;
}

/**
 * The name in Redis of the budget of `key` (what a `key` option returned, as `mapKey` made it):
 * a string is itself; any other value is its typed encoding after `%00` (which no escaped
 * string contains), so `7` and `'7'` stay two budgets in Redis as they are in process. A
 * function or a symbol names nothing another process can name: `E_UNKEYABLE` naming `where`.
 */
export function budgetName(key: unknown, where: string): string {
  if (typeof key === 'string') return escapePart(key);
  if (typeof key === 'function' || typeof key === 'symbol') {
    throw new HotpathError(
      'E_UNKEYABLE',
      `${where}: \`key\` must return a string, a number or a structure of them with \`engine: 'redis'\` (every process must name the same budget), got ${describeValue(key)}`,
    );
  }
  return `%00${escapePart(valueKey(key, where))}`;
}
