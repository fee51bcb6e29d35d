/**
 * Option validation at decoration time, every message asserted word for word, for both
 * decorators, as methods (TC39 messages name the method, legacy ones `Class.method`) and in the
 * functional form (the function's name).
 */
import { describe, expect, it } from '@jest/globals';
import { debounce, throttle } from '../../src/index.js';
import { LEGACY } from '../helpers/mode.js';

const where = LEGACY ? 'Editor.save' : 'save';

/** Decorates `Editor.save` with `decorator` and returns the error thrown at class definition. */
function definitionError(decorator: unknown): unknown {
  try {
    const deco = decorator as ReturnType<typeof debounce>;
    class Editor {
      @deco
      async save(): Promise<void> {}
    }
    return Editor;
  } catch (error) {
    return error;
  }
}

function message(decorator: unknown): string {
  const error = definitionError(decorator);
  expect(error).toBeInstanceOf(TypeError);
  return (error as TypeError).message;
}

const DURATION = "a duration (milliseconds or a string like '5m')";

describe.each([
  ['debounce', debounce],
  ['throttle', throttle],
] as const)('@%s options', (name, deco) => {
  const decorate = deco as (options: unknown) => unknown;

  it('accepts a wait as a number, a duration string, or inside options', () => {
    expect(definitionError(decorate(100))).toBeInstanceOf(Function);
    expect(definitionError(decorate('250ms'))).toBeInstanceOf(Function);
    expect(definitionError(decorate(0))).toBeInstanceOf(Function);
    expect(
      definitionError(decorate({ wait: '1s', leading: true, trailing: false, key: () => 1 })),
    ).toBeInstanceOf(Function);
  });

  it('requires `wait` to be a duration', () => {
    expect(message(decorate(-1))).toBe(
      `@${name} on ${where}: \`wait\` must be ${DURATION}, got -1`,
    );
    expect(message(decorate('soon'))).toBe(
      `@${name} on ${where}: \`wait\` must be ${DURATION}, got 'soon'`,
    );
    expect(message(decorate(undefined))).toBe(
      `@${name} on ${where}: \`wait\` must be ${DURATION}, got undefined`,
    );
    expect(message(decorate({ leading: true }))).toBe(
      `@${name} on ${where}: \`wait\` must be ${DURATION}, got undefined`,
    );
    expect(message(decorate(true))).toBe(
      `@${name} on ${where}: \`wait\` must be ${DURATION}, got true`,
    );
  });

  it('requires booleans for `leading` and `trailing`', () => {
    expect(message(decorate({ wait: 10, leading: 'yes' }))).toBe(
      `@${name} on ${where}: \`leading\` must be a boolean, got 'yes'`,
    );
    expect(message(decorate({ wait: 10, trailing: 0 }))).toBe(
      `@${name} on ${where}: \`trailing\` must be a boolean, got 0`,
    );
  });

  it('refuses `leading` and `trailing` both false', () => {
    expect(message(decorate({ wait: 10, leading: false, trailing: false }))).toBe(
      `@${name} on ${where}: \`leading\` and \`trailing\` are both false: the method would never run`,
    );
  });

  it('requires `key` to be a function', () => {
    expect(message(decorate({ wait: 10, key: 'id' }))).toBe(
      `@${name} on ${where}: \`key\` must be a function, got 'id'`,
    );
  });

  it('refuses unknown options, suggesting the closest known one', () => {
    expect(message(decorate({ wait: 10, trailling: true }))).toBe(
      `@${name} on ${where}: unknown option \`trailling\` (did you mean \`trailing\`?)`,
    );
    expect(message(decorate({ wait: 10, delay: 5 }))).toBe(
      `@${name} on ${where}: unknown option \`delay\` (known options: ${
        name === 'debounce'
          ? '`wait`, `leading`, `trailing`, `maxWait`, `key`'
          : '`wait`, `leading`, `trailing`, `key`'
      })`,
    );
  });

  it('refuses options that are neither a duration nor an object', () => {
    expect(message(decorate(null))).toBe(
      `@${name} on ${where}: options must be an object, got null`,
    );
    expect(message(decorate([100]))).toBe(
      `@${name} on ${where}: options must be an object, got [ 100 ]`,
    );
  });

  it('names the function in the functional form', () => {
    expect(() => (decorate(-5) as (fn: unknown) => unknown)(async function persist() {})).toThrow(
      new TypeError(`@${name} on persist: \`wait\` must be ${DURATION}, got -5`),
    );
  });
});

describe('@debounce maxWait', () => {
  it('accepts a maxWait of at least wait', () => {
    expect(definitionError(debounce({ wait: 100, maxWait: 100 }))).toBeInstanceOf(Function);
    expect(definitionError(debounce({ wait: 100, maxWait: '1s' }))).toBeInstanceOf(Function);
  });

  it('requires maxWait to be a duration >= wait', () => {
    expect(message(debounce({ wait: 100, maxWait: 50 }))).toBe(
      `@debounce on ${where}: \`maxWait\` must be a duration >= \`wait\` (100 ms), got 50`,
    );
    expect(message(debounce({ wait: '1s', maxWait: '500ms' }))).toBe(
      `@debounce on ${where}: \`maxWait\` must be a duration >= \`wait\` (1000 ms), got '500ms'`,
    );
    expect(message(debounce({ wait: 100, maxWait: -1 }))).toBe(
      `@debounce on ${where}: \`maxWait\` must be a duration >= \`wait\` (100 ms), got -1`,
    );
  });
});

describe('@throttle maxWait', () => {
  it('says that throttle has no maxWait, and what to use instead', () => {
    expect(message(throttle({ wait: 100, maxWait: 200 } as never))).toBe(
      `@throttle on ${where}: \`maxWait\` is not an option of @throttle (it always equals \`wait\`); use @debounce({ wait, maxWait }) for a different bound`,
    );
  });
});
