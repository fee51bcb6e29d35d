/**
 * The seeds' write-behind scenarios on `@batched` (playground/10-seed-scenarios.ts): the
 * desktop app's UI updates applied once per 16 ms frame, and the Telegram bot's outgoing
 * messages sent in batches of 100 or whatever 5 s collected.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { batched, control } from '../../src/index.js';
import { advanceFakeTime } from '../helpers/fake-time.js';

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('@batched write-behind scenarios', () => {
  it('applies the UI updates of one 16 ms frame in one render', async () => {
    const renders: number[][] = [];
    class Screen {
      @batched({ maxWait: '16ms', dedupe: false })
      async apply(updates: number[]): Promise<void> {
        renders.push([...updates]);
      }
    }
    const screen = new Screen();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      writes.push(screen.apply([i]));
      await advanceFakeTime(1); // one update per millisecond
    }
    await advanceFakeTime(16);
    expect(renders.map((r) => r.length)).toEqual([16, 16, 8]);
    expect(renders.flat()).toEqual(Array.from({ length: 40 }, (_, i) => i));
    await expect(Promise.all(writes)).resolves.toEqual(Array(40).fill(undefined));
    expect(control(screen, 'apply').pending()).toBe(false);
  });

  it('sends messages in batches of 100, and what is left after 5 s', async () => {
    const sent: number[] = [];
    class Outbox {
      @batched({ maxBatchSize: 100, maxWait: '5s', dedupe: false })
      async send(messages: string[]): Promise<void> {
        sent.push(messages.length);
      }
    }
    const outbox = new Outbox();
    const all = Promise.all(Array.from({ length: 250 }, (_, i) => outbox.send([`m${i}`])));
    await advanceFakeTime(0);
    expect(sent).toEqual([100, 100]);
    await advanceFakeTime(4_999);
    expect(sent).toEqual([100, 100]);
    await advanceFakeTime(1);
    expect(sent).toEqual([100, 100, 50]);
    await all;
  });
});
