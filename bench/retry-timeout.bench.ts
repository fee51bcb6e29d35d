/**
 * The cost of `@retry` and `@timeout` on an async call that succeeds at once (the common
 * case, and the only one where the wrapper's own cost matters), beside p-retry, p-timeout
 * and cockatiel's retry/timeout policies doing the same job. No performance target: this is for
 * information (not a `check()`).
 */
import {
  ExponentialBackoff,
  TimeoutStrategy,
  handleAll,
  retry as cockatielRetry,
  timeout as cockatielTimeout,
} from 'cockatiel';
import pRetry from 'p-retry';
import pTimeout from 'p-timeout';
import { retry, timeout } from '../src/index.js';
import { compare } from './harness.js';

async function fetchValue(n: number): Promise<number> {
  return n + 1;
}

class Plain {
  async get(n: number): Promise<number> {
    return n + 1;
  }
}

class WithRetry {
  @retry({ attempts: 3 })
  async get(n: number): Promise<number> {
    return n + 1;
  }
}

class WithTimeout {
  @timeout('5s')
  async get(n: number): Promise<number> {
    return n + 1;
  }
}

class WithBoth {
  @retry({ attempts: 3 })
  @timeout('5s')
  async get(n: number): Promise<number> {
    return n + 1;
  }
}

const plain = new Plain();
const withRetry = new WithRetry();
const withTimeout = new WithTimeout();
const withBoth = new WithBoth();
const retryPolicy = cockatielRetry(handleAll, {
  maxAttempts: 2,
  backoff: new ExponentialBackoff(),
});
const timeoutPolicy = cockatielTimeout(5_000, TimeoutStrategy.Aggressive);
let i = 0;

await compare(
  'retry: an async call that succeeds at once',
  [
    { name: 'undecorated async method', fn: () => plain.get(i++), baseline: true },
    { name: '@retry({ attempts: 3 })', fn: () => withRetry.get(i++) },
    { name: 'p-retry (retries: 2)', fn: () => pRetry(() => fetchValue(i++), { retries: 2 }) },
    {
      name: 'cockatiel retry (maxAttempts: 2)',
      fn: () => retryPolicy.execute(() => fetchValue(i++)),
    },
  ],
  { rounds: 3 },
);

await compare(
  'timeout: an async call that settles at once',
  [
    { name: 'undecorated async method', fn: () => plain.get(i++), baseline: true },
    { name: "@timeout('5s')", fn: () => withTimeout.get(i++) },
    { name: 'p-timeout (5 s)', fn: () => pTimeout(fetchValue(i++), { milliseconds: 5_000 }) },
    {
      name: 'cockatiel timeout (5 s, aggressive)',
      fn: () => timeoutPolicy.execute(() => fetchValue(i++)),
    },
    { name: "@retry + @timeout('5s') stacked", fn: () => withBoth.get(i++) },
  ],
  { rounds: 3 },
);
