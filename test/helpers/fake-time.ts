/**
 * Jest's fake clock (see `time.ts` for the waits that do not need Jest).
 */
import { jest } from '@jest/globals';

/**
 * Advances Jest's fake timers by `ms`, letting promise callbacks run between the timers that
 * fire. `advanceFakeTime(0)` runs what is due now (promise jobs, zero-delay timers) without
 * moving the clock.
 */
export async function advanceFakeTime(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}
