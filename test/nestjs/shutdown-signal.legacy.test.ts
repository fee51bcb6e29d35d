/**
 * `HotpathModule` with `app.enableShutdownHooks()`: a SIGTERM to the process flushes a pending
 * batch through `registry.shutdown()` before Nest re-raises the signal. In a child process, as
 * a deploy's SIGTERM would reach it (legacy project only: Nest needs experimentalDecorators).
 */
import { describe, expect, it } from '@jest/globals';
import { runFixture } from '../helpers/child-fixture.js';

describe('HotpathModule on SIGTERM', () => {
  it('writes the pending batch before the process ends', async () => {
    const run = await runFixture('test/nestjs/fixtures/shutdown-on-signal.ts');
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([
      'pending, sending SIGTERM',
      'written: a,b',
      'callers got: [["ok a"],["ok b"]]',
    ]);
    expect(run.signal).toBe('SIGTERM');
  });
});
