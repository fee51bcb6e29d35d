/**
 * Option validation: every configuration error in hotpath is built here, in one form
 * (decorator, method, option, what was expected, what was got), so that all messages read alike:
 *
 *     @cached on UserService.getUser: `ttl` must be a duration (milliseconds or a string like '5m'), got -1
 *
 * Validation runs once, when a decorator is applied (class definition time), never per call.
 */
import { inspect } from 'node:util';

/**
 * Where an option is being validated: the decorator and the method it is applied to, or (for
 * options outside decorators, such as `redisStore(url, options)`) only `where`.
 */
export interface OptionSite {
  /** Decorator name without `@`, e.g. `cached`; absent outside decorators. */
  readonly decorator?: string;
  /**
   * `ClassName.method` when the class is known (legacy decorators, static TC39 members after
   * definition), the bare method name for TC39 instance members (the standard does not tell a
   * method decorator its class), or the function's name for the functional form.
   */
  readonly where: string;
}

/** Formats a received value for a message: strings quoted, objects shallow, never huge. */
export function describeValue(value: unknown): string {
  return inspect(value, {
    depth: 1,
    breakLength: Infinity,
    maxArrayLength: 5,
    maxStringLength: 60,
  });
}

/** The `@decorator on Where:` prefix of every message (`Where:` outside decorators). */
export function messagePrefix(site: OptionSite): string {
  return site.decorator === undefined ? `${site.where}:` : `@${site.decorator} on ${site.where}:`;
}

/**
 * Builds the TypeError for option `option` that should be `expected` but is `got`. `hint`, when
 * given, follows in parentheses: what is missing, or what the caller probably meant
 * (`` (for a Redis URL, redisStore(url) from hotpath/redis makes one) ``).
 */
export function optionError(
  site: OptionSite,
  option: string,
  expected: string,
  got: unknown,
  hint?: string,
): TypeError {
  return new TypeError(
    `${messagePrefix(site)} \`${option}\` must be ${expected}, got ${describeValue(got)}` +
      (hint === undefined ? '' : ` (${hint})`),
  );
}

/** A configuration error that is not about one option's type (e.g. two options that conflict). */
export function configError(site: OptionSite, problem: string): TypeError {
  return new TypeError(`${messagePrefix(site)} ${problem}`);
}

/** Levenshtein distance, for "did you mean" hints on misspelt option names. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/**
 * Checks that `options` is a plain object (or undefined) whose keys are all in `known`.
 * An unknown key is an error naming the closest known one, because a misspelt option
 * (`tll: '5m'`) silently doing nothing is the worst kind of bug.
 */
export function checkOptionsObject(
  site: OptionSite,
  options: unknown,
  known: readonly string[],
): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(
      `${messagePrefix(site)} options must be an object, got ${describeValue(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    let best: string | undefined;
    let bestDistance = 3;
    for (const k of known) {
      const d = distance(key.toLowerCase(), k.toLowerCase());
      if (d < bestDistance) [best, bestDistance] = [k, d];
    }
    const hint = best
      ? ` (did you mean \`${best}\`?)`
      : ` (known options: ${known.map((k) => `\`${k}\``).join(', ')})`;
    throw new TypeError(`${messagePrefix(site)} unknown option \`${key}\`${hint}`);
  }
}

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** What {@link parseDuration} expects, in the words every duration message uses. */
export const DURATION_EXPECTED = "a duration (milliseconds or a string like '5m')";

/**
 * A time span: a number of milliseconds, or a string `<number><unit>` with unit
 * `ms`, `s`, `m`, `h` or `d` (`'250ms'`, `'1.5s'`, `'5m'`, `'1h'`, `'7d'`).
 */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}` | (string & {});

/**
 * Converts a {@link Duration} to milliseconds. Returns `undefined` if `value` is not a finite,
 * non-negative duration (callers turn that into an {@link optionError}). A string whose number
 * overflows (`'1' + '0'.repeat(400) + 'd'`) is refused like the number `Infinity`: a wait
 * that never ends is never what a duration means.
 */
export function toMilliseconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = DURATION.exec(value.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return Number.isFinite(ms) ? ms : undefined;
}

/** `2147483647 ms (24.8 days)`: a limit in the words duration messages use. */
export function describeLimit(ms: number): string {
  // Rounded down: 2^31 − 1 ms is 24.85 days, and '24.9 days' would invite a value that fails.
  const days = Math.floor((ms / UNIT_MS.d) * 10) / 10;
  return days >= 1 ? `${ms} ms (${days} days)` : `${ms} ms`;
}

/** Bounds of {@link durationOption}. */
export interface DurationBounds {
  /** Also refuse 0. */
  positive?: boolean;
  /**
   * Largest accepted value in ms. For timeouts that guard an operation (a store call, a Redis
   * command) pass `MAX_TIMER_MS` (`core/clock.ts`): such a bound past 24.8 days bounds nothing,
   * and some of them end up in timers hotpath does not own (ioredis), which Node would clamp
   * to 1 ms.
   */
  max?: number;
}

/**
 * Validates and converts option `option` as a {@link Duration}.
 * `positive: true` also rejects 0; `max` rejects longer values. `undefined` is returned as
 * `fallback`.
 */
export function durationOption(
  site: OptionSite,
  option: string,
  value: unknown,
  fallback: number,
  bounds?: DurationBounds,
): number;
export function durationOption(
  site: OptionSite,
  option: string,
  value: unknown,
  fallback?: number,
  bounds?: DurationBounds,
): number | undefined;
export function durationOption(
  site: OptionSite,
  option: string,
  value: unknown,
  fallback?: number,
  { positive = false, max }: DurationBounds = {},
): number | undefined {
  if (value === undefined) return fallback;
  const ms = toMilliseconds(value);
  if (ms === undefined || (positive && ms === 0) || (max !== undefined && ms > max)) {
    const expected = positive ? `a positive ${DURATION_EXPECTED.slice(2)}` : DURATION_EXPECTED;
    throw optionError(
      site,
      option,
      max === undefined ? expected : `${expected} of at most ${describeLimit(max)}`,
      value,
    );
  }
  return ms;
}

/**
 * Parses a {@link Duration} outside any decorator (e.g. in user code or registry config).
 * Throws a `TypeError` naming the value when it is not a duration:
 * ``parseDuration: `value` must be a duration (milliseconds or a string like '5m'), got 'soon'``.
 */
export function parseDuration(value: Duration): number {
  const ms = toMilliseconds(value);
  if (ms === undefined)
    throw optionError({ where: 'parseDuration' }, 'value', DURATION_EXPECTED, value);
  return ms;
}

/** Validates an integer option within `[min, max]` (max may be Infinity). */
export function integerOption(
  site: OptionSite,
  option: string,
  value: unknown,
  fallback: number,
  min = 0,
  max = Number.POSITIVE_INFINITY,
): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    value >= min &&
    value <= max &&
    (Number.isInteger(value) || value === Number.POSITIVE_INFINITY);
  if (!ok) {
    const range =
      max === Number.POSITIVE_INFINITY
        ? min === 0
          ? 'a non-negative integer'
          : min === 1
            ? 'a positive integer'
            : `an integer >= ${min}`
        : `an integer from ${min} to ${max}`;
    throw optionError(site, option, range, value);
  }
  return value;
}

/** Validates a number in `[min, max]`. */
export function numberOption(
  site: OptionSite,
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    throw optionError(site, option, `a number from ${min} to ${max}`, value);
  }
  return value;
}

/** Validates a boolean option. */
export function booleanOption(
  site: OptionSite,
  option: string,
  value: unknown,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw optionError(site, option, 'a boolean', value);
  return value;
}

/** Validates an optional function option. */
export function functionOption<F extends (...args: never[]) => unknown>(
  site: OptionSite,
  option: string,
  value: unknown,
): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw optionError(site, option, 'a function', value);
  return value as F;
}

/** Validates an optional non-empty string option. */
export function stringOption(site: OptionSite, option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw optionError(site, option, 'a non-empty string', value);
  }
  return value;
}

/** Validates one of a fixed set of string values. */
export function enumOption<T extends string>(
  site: OptionSite,
  option: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw optionError(site, option, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}
