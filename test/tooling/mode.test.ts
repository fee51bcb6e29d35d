import { describe, expect, it } from '@jest/globals';
import { LEGACY, MODE } from '../helpers/mode.js';

let shape: 'tc39' | 'legacy' | undefined;

// Written without types on purpose: valid in both decorator modes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function probe(...args: any[]): any {
  const context: unknown = args[1];
  shape =
    typeof context === 'object' &&
    context !== null &&
    typeof (context as { kind?: unknown }).kind === 'string'
      ? 'tc39'
      : 'legacy';
}

class Probed {
  @probe
  method(): void {}
}

describe('the decorator mode', () => {
  it('is the one the Jest project compiled this file with', () => {
    expect(new Probed()).toBeInstanceOf(Probed);
    expect(shape).toBe(MODE);
    expect(LEGACY).toBe(MODE === 'legacy');
  });
});
