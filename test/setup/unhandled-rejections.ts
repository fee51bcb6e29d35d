/**
 * Jest `setupFilesAfterEnv` entry: a last `afterAll` that lets the event loop turn a few
 * times, so a rejection a test leaked on its way out still surfaces while this file is
 * running (Jest then fails the file with the rejection's reason) instead of after it, where
 * only the guard in `environment.ts` can catch it.
 *
 * Timer functions are captured now, before a test can install fake timers.
 */
import { afterAll } from '@jest/globals';

const realSetTimeout = globalThis.setTimeout;
const realSetImmediate = globalThis.setImmediate;

const turn = (): Promise<void> =>
  new Promise((resolve) => {
    realSetImmediate(() => realSetTimeout(resolve, 0));
  });

afterAll(async () => {
  for (let i = 0; i < 3; i++) await turn();
});
