/**
 * Validation of `@debounce` / `@throttle` options, once per decorated method at decoration
 * time. Every message is in the house form (`@debounce on Editor.save: ...`).
 */
import type { DecorationSite } from '../core/intercept.js';
import {
  DURATION_EXPECTED,
  booleanOption,
  checkOptionsObject,
  configError,
  durationOption,
  functionOption,
  optionError,
  toMilliseconds,
  type Duration,
} from '../core/options.js';
import type { TimingSettings } from './timing-engine.js';

/** Options shared by `@debounce` and `@throttle`. */
export interface TimingOptionsBase {
  /** Milliseconds (or a {@link Duration} string like `'300ms'`) to wait. Required; 0 defers to the next timer turn. */
  wait: Duration;
  /**
   * Invoke on the leading edge of the wait.
   *
   * @default false for `@debounce`, true for `@throttle`
   */
  leading?: boolean;
  /**
   * Invoke on the trailing edge of the wait. With `leading: true`, the trailing invocation runs
   * only if the method was called again during the wait.
   *
   * @default true
   */
  trailing?: boolean;
  /**
   * Debounce/throttle separately per key: `key(...args)` (called with the method's `this`) picks
   * the stream: a primitive by value (`'doc-1'`, `42`; `1` ≠ `'1'`), an object or array by its
   * structure with the argument-key rules (`[tenant, id]` built afresh per call finds its
   * stream again; an object with no visible state is `E_UNKEYABLE`). A key's state is released
   * once it is idle.
   *
   * @default undefined (one stream per instance)
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  key?: (...args: any[]) => unknown;
}

/**
 * Resolves `@debounce(...)` (with `maxWait`) or `@throttle(...)` (whose `maxWait` is `wait`)
 * options to engine settings, throwing a `TypeError` for anything wrong.
 */
export function resolveTimingOptions(
  site: DecorationSite,
  input: unknown,
  kind: 'debounce' | 'throttle',
): TimingSettings {
  const known =
    kind === 'debounce'
      ? ['wait', 'leading', 'trailing', 'maxWait', 'key']
      : ['wait', 'leading', 'trailing', 'key'];
  let options: Record<string, unknown>;
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    if (kind === 'throttle' && Object.prototype.hasOwnProperty.call(input, 'maxWait')) {
      throw configError(
        site,
        '`maxWait` is not an option of @throttle (it always equals `wait`); use @debounce({ wait, maxWait }) for a different bound',
      );
    }
    checkOptionsObject(site, input, known);
    options = input as Record<string, unknown>;
  } else {
    // null or an array: "options must be an object".
    if (typeof input === 'object') checkOptionsObject(site, input, known);
    options = { wait: input };
  }
  if (options.wait === undefined) throw optionError(site, 'wait', DURATION_EXPECTED, undefined);
  const wait = durationOption(site, 'wait', options.wait, 0);
  const leading = booleanOption(site, 'leading', options.leading, kind === 'throttle');
  const trailing = booleanOption(site, 'trailing', options.trailing, true);
  if (!leading && !trailing) {
    throw configError(site, '`leading` and `trailing` are both false: the method would never run');
  }
  let maxWait: number | undefined = kind === 'throttle' ? wait : undefined;
  if (kind === 'debounce' && options.maxWait !== undefined) {
    const ms = toMilliseconds(options.maxWait);
    if (ms === undefined || ms < wait) {
      throw optionError(site, 'maxWait', `a duration >= \`wait\` (${wait} ms)`, options.maxWait);
    }
    maxWait = ms;
  }
  const key = functionOption<(...args: never[]) => unknown>(site, 'key', options.key);
  return { wait, maxWait, leading, trailing, key };
}
