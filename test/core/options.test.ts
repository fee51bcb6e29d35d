import { describe, expect, it } from '@jest/globals';
import {
  booleanOption,
  checkOptionsObject,
  configError,
  durationOption,
  enumOption,
  functionOption,
  integerOption,
  numberOption,
  stringOption,
  toMilliseconds,
} from '../../src/core/options.js';
import { parseDuration } from '../../src/index.js';

const site = { decorator: 'cached', where: 'UserService.getUser' };

describe('durations', () => {
  it.each([
    [0, 0],
    [250, 250],
    ['250ms', 250],
    ['5s', 5_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    [' 10 s ', 10_000],
  ])('reads %p as %p ms', (input, ms) => {
    expect(toMilliseconds(input)).toBe(ms);
  });

  it.each([
    -1,
    NaN,
    Infinity,
    '5',
    '5x',
    'm',
    '-5s',
    '',
    null,
    {},
    '5 minutes',
    `1${'0'.repeat(400)}d`,
  ])('rejects %p', (input) => {
    expect(toMilliseconds(input)).toBeUndefined();
  });

  it('throws the house message for a bad duration option', () => {
    expect(() => durationOption(site, 'ttl', -1)).toThrow(
      new TypeError(
        "@cached on UserService.getUser: `ttl` must be a duration (milliseconds or a string like '5m'), got -1",
      ),
    );
    expect(() => durationOption(site, 'ttl', '5x')).toThrow(
      new TypeError(
        "@cached on UserService.getUser: `ttl` must be a duration (milliseconds or a string like '5m'), got '5x'",
      ),
    );
    expect(() => durationOption(site, 'wait', 0, undefined, { positive: true })).toThrow(
      new TypeError(
        "@cached on UserService.getUser: `wait` must be a positive duration (milliseconds or a string like '5m'), got 0",
      ),
    );
    expect(durationOption(site, 'ttl', undefined, 7)).toBe(7);
    expect(durationOption(site, 'ttl', '2s')).toBe(2000);
  });

  it('parseDuration throws a TypeError outside decorators', () => {
    expect(parseDuration('5m')).toBe(300_000);
    expect(() => parseDuration('soon' as never)).toThrow(
      new TypeError(
        "parseDuration: `value` must be a duration (milliseconds or a string like '5m'), got 'soon'",
      ),
    );
  });
});

describe('option messages', () => {
  it('integers', () => {
    expect(() => integerOption(site, 'max', 1.5, 10, 1)).toThrow(
      new TypeError('@cached on UserService.getUser: `max` must be a positive integer, got 1.5'),
    );
    expect(() => integerOption(site, 'max', -1, 10)).toThrow(
      new TypeError('@cached on UserService.getUser: `max` must be a non-negative integer, got -1'),
    );
    expect(() => integerOption(site, 'limit', 0, 10, 2)).toThrow(
      new TypeError('@cached on UserService.getUser: `limit` must be an integer >= 2, got 0'),
    );
    expect(() => integerOption(site, 'attempts', 11, 3, 1, 10)).toThrow(
      new TypeError(
        '@cached on UserService.getUser: `attempts` must be an integer from 1 to 10, got 11',
      ),
    );
    expect(integerOption(site, 'max', Infinity, 10, 1)).toBe(Infinity);
    expect(integerOption(site, 'max', undefined, 10, 1)).toBe(10);
  });

  it('numbers, booleans, functions, strings and enums', () => {
    expect(() => numberOption(site, 'jitter', 2, 0, 0, 1)).toThrow(
      new TypeError('@cached on UserService.getUser: `jitter` must be a number from 0 to 1, got 2'),
    );
    expect(() => booleanOption(site, 'dedupe', 'yes', true)).toThrow(
      new TypeError("@cached on UserService.getUser: `dedupe` must be a boolean, got 'yes'"),
    );
    expect(() => functionOption(site, 'key', 'id')).toThrow(
      new TypeError("@cached on UserService.getUser: `key` must be a function, got 'id'"),
    );
    expect(() => stringOption(site, 'namespace', '')).toThrow(
      new TypeError(
        "@cached on UserService.getUser: `namespace` must be a non-empty string, got ''",
      ),
    );
    expect(() => enumOption(site, 'scope', 'global', ['instance', 'shared'], 'instance')).toThrow(
      new TypeError(
        "@cached on UserService.getUser: `scope` must be one of 'instance', 'shared', got 'global'",
      ),
    );
  });

  it('unknown options name the closest known one', () => {
    expect(() => checkOptionsObject(site, { tll: '5m' }, ['ttl', 'max'])).toThrow(
      new TypeError('@cached on UserService.getUser: unknown option `tll` (did you mean `ttl`?)'),
    );
    expect(() => checkOptionsObject(site, { zzzzzz: 1 }, ['ttl', 'max'])).toThrow(
      new TypeError(
        '@cached on UserService.getUser: unknown option `zzzzzz` (known options: `ttl`, `max`)',
      ),
    );
    expect(() => checkOptionsObject(site, 5, ['ttl'])).toThrow(
      new TypeError('@cached on UserService.getUser: options must be an object, got 5'),
    );
  });

  it('conflicts', () => {
    expect(configError(site, '`scope: instance` cannot be combined with `store`').message).toBe(
      '@cached on UserService.getUser: `scope: instance` cannot be combined with `store`',
    );
  });
});
