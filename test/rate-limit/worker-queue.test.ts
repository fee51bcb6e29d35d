/**
 * Keiko's async task processor: a bounded worker queue made of `@rateLimit({ maxConcurrent,
 * maxQueue })` alone (the scenario of playground/10-seed-scenarios.ts): at most N tasks run,
 * M wait in order, the rest are refused at once.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { bindHotpath, createHotpath, rateLimit, RateLimitError } from '../../src/index.js';
import { advanceFakeTime } from '../helpers/fake-time.js';
import { sleepMs } from '../helpers/time.js';

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('a bounded worker queue (@rateLimit maxConcurrent + maxQueue)', () => {
  it('runs 3 tasks at once, queues 5 in order and refuses the rest', async () => {
    const started: string[] = [];
    let running = 0;
    let most = 0;
    class TaskProcessor {
      @rateLimit({ maxConcurrent: 3, maxQueue: 5 })
      async process(task: string): Promise<string> {
        started.push(task);
        most = Math.max(most, ++running);
        await sleepMs(30);
        running--;
        return `${task} done`;
      }
    }
    const processor = bindHotpath(new TaskProcessor(), createHotpath({ name: 'workers' }));
    const tasks = Array.from({ length: 10 }, (_, i) =>
      processor.process(`task-${i + 1}`).catch((error: unknown) => error),
    );
    await advanceFakeTime(0);
    expect(started).toEqual(['task-1', 'task-2', 'task-3']);
    const refused = await Promise.all([tasks[8], tasks[9]]);
    for (const error of refused) {
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error).toMatchObject({
        code: 'E_RATE_LIMITED',
        message: 'TaskProcessor.process: rate limit queue is full (maxQueue 5); retry in 0 ms',
      });
    }
    await advanceFakeTime(30);
    expect(started).toEqual(['task-1', 'task-2', 'task-3', 'task-4', 'task-5', 'task-6']);
    await advanceFakeTime(60);
    expect(await Promise.all(tasks.slice(0, 8))).toEqual(
      Array.from({ length: 8 }, (_, i) => `task-${i + 1} done`),
    );
    expect(started).toHaveLength(8);
    expect(most).toBe(3);
  });
});
