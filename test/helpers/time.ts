/**
 * The ways a test lets time pass or lets queued work run. Each has one meaning:
 *
 * - `sleepMs(ms)`: a `setTimeout` of `ms` on the clock the test runs on (real time, or Jest's
 *   fake clock when the test installed fake timers: a method body that sleeps then takes `ms`
 *   of fake time).
 * - `advanceFakeTime(ms)` (in `fake-time.ts`, which imports Jest): moves Jest's fake clock.
 * - `flushMicrotasks(rounds)`: lets promise callbacks run; no timer, immediate or I/O runs.
 * - `turnEventLoop(turns)`: lets the real event loop turn (I/O callbacks, immediates and the
 *   promise jobs they queue), also under fake timers: background work that is not on a timer
 *   (a fire-and-forget store write, a message from a socket) lands.
 *
 * No Jest import: fixtures and `npm run soak` use it outside Jest.
 */

/** The real `setImmediate`, captured before a test can install fake timers. */
const realSetImmediate = globalThis.setImmediate;

/**
 * Resolves after `ms` through the current `setTimeout`: real time, or fake time under
 * `jest.useFakeTimers()` (then only `advanceFakeTime` from `fake-time.ts` moves it).
 */
export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Awaits `rounds` already-resolved promises: callbacks queued that many promise hops deep run.
 * @default rounds 5
 */
export async function flushMicrotasks(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/**
 * Lets the real event loop turn `turns` times (one real `setImmediate` each), whether or not
 * fake timers are installed.
 * @default turns 5
 */
export async function turnEventLoop(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => realSetImmediate(resolve));
}
