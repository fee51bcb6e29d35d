/**
 * A new instance's first `@cached` call costs what it stores, not the memo's bound: a
 * request-scoped service makes one memo per request. Measured in a real process with
 * `--expose-gc` (test/cached/fixtures/new-instance.ts).
 */
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { runFixture } from '../helpers/child-fixture.js';

const FIXTURE = path.join(__dirname, 'fixtures', 'new-instance.ts');

/** Per instance, default `max` (10 000). Before: 159 KB (the memo preallocated `max` slots). */
const MAX_BYTES = 4 * 1024;

describe('@cached on a new instance', () => {
  it('costs under 4 KB for the first call (sync and async methods, default max)', async () => {
    const run = await runFixture(FIXTURE, [], { node: ['--expose-gc'] });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const bytes = JSON.parse(run.stdout) as { sync: number; async: number };
    expect(bytes.sync).toBeLessThan(MAX_BYTES);
    expect(bytes.async).toBeLessThan(MAX_BYTES);
  }, 60_000);
});
