/**
 * Many processes on one Redis: three "app servers" (child processes) share a product cache
 * through a Redis store, hear each other's invalidations on a RedisBus, and compute a
 * stampeding key once thanks to a RedisLock.
 *
 * Run: REDIS_URL=redis://127.0.0.1:6379 npx tsx playground/07-many-processes.ts
 * Without REDIS_URL it says so and exits 0 (the other playground scripts need no Redis).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindHotpath, cached, createHotpath, invalidates } from '../src/index.js';
import { RedisBus, RedisLock, redisStore } from '../src/redis/index.js';

const url = process.env.REDIS_URL;
const role = process.argv[2];
/** Keys, channel and locks of this run only: nothing of another run (or app) is touched. */
const run = process.env.PLAYGROUND_RUN ?? `hotpath-playground:${process.pid}`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The "database" every server reads: a JSON file, shared like a real database would be. */
const databaseFile = path.join(tmpdir(), `${run.replace(/[^\w-]/g, '_')}.json`);
const readPrices = (): Record<string, number> =>
  JSON.parse(readFileSync(databaseFile, 'utf8')) as Record<string, number>;
const writePrices = (prices: Record<string, number>): void =>
  writeFileSync(databaseFile, JSON.stringify(prices));

// ---- a child: one app server --------------------------------------------------------------

async function appServer(name: string, redisUrl: string): Promise<void> {
  const registry = createHotpath({
    name,
    stores: { redis: redisStore(redisUrl, { namespace: run }) },
    bus: new RedisBus({ url: redisUrl, channel: `${run}:invalidations` }),
    lock: new RedisLock({ url: redisUrl, prefix: `${run}:` }),
  });
  registry.on('error', (e) => console.log(`  [${name}] store problem: ${e.message}`));

  class Menu {
    @cached({ store: 'redis', ttl: '1m', tags: (_price: number, item: string) => [`item:${item}`] })
    async price(item: string): Promise<number> {
      console.log(`  [${name}] computing price(${item}) (slow database call)`);
      await sleep(100);
      return readPrices()[item] ?? 0;
    }

    @cached({ store: 'redis', ttl: '1m', distributedLock: true })
    async dailyReport(day: string): Promise<string> {
      console.log(`  [${name}] computing dailyReport(${day}) (expensive, once for all servers)`);
      await sleep(300);
      return `report for ${day}`;
    }

    @invalidates({ tags: (_r: void, item: string) => [`item:${item}`] })
    async setPrice(item: string, cents: number): Promise<void> {
      writePrices({ ...readPrices(), [item]: cents });
    }
  }
  const menu = bindHotpath(new Menu(), registry);
  await (registry.bus as RedisBus).ready();

  const handlers: Record<string, (arg: string) => Promise<unknown>> = {
    price: (item) => menu.price(item),
    report: async (day) =>
      (await Promise.all(Array.from({ length: 20 }, () => menu.dailyReport(day))))[0],
    raise: (item) => menu.setPrice(item, 275),
    exit: async () => {
      await registry.shutdown();
      setImmediate(() => process.disconnect());
    },
  };
  process.on('message', ({ op, arg }: { op: string; arg: string }) => {
    void handlers[op]!(arg).then((value) => process.send!({ op, value }));
  });
  process.send!({ op: 'ready' });
}

// ---- the parent: starts the servers and plays a scenario ----------------------------------

/** Resolves the value of the next message `op` from `child`. */
function reply(child: ChildProcess, op: string): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (m: { op: string; value?: unknown }): void => {
      if (m.op !== op) return;
      child.off('message', onMessage);
      resolve(m.value);
    };
    child.on('message', onMessage);
  });
}

/** Asks a server to do `op` and resolves its answer. */
function ask(child: ChildProcess, op: string, arg = ''): Promise<unknown> {
  const answer = reply(child, op);
  child.send({ op, arg });
  return answer;
}

async function main(redisUrl: string): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  writePrices({ espresso: 250 });
  const names = ['app-1', 'app-2', 'app-3'];
  const servers = names.map((name) =>
    fork(self, ['server', name], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, PLAYGROUND_RUN: run },
    }),
  );
  await Promise.all(servers.map((s) => reply(s, 'ready')));
  const [one, two, three] = servers as [ChildProcess, ChildProcess, ChildProcess];

  console.log('1. app-1 reads a price; app-2 and app-3 get it from Redis without computing:');
  console.log(`  app-1: ${String(await ask(one, 'price', 'espresso'))}`);
  await sleep(50);
  console.log(`  app-2: ${String(await ask(two, 'price', 'espresso'))}`);
  console.log(`  app-3: ${String(await ask(three, 'price', 'espresso'))}`);

  console.log('2. app-2 raises the price (@invalidates the tag); every server drops its copy:');
  await ask(two, 'raise', 'espresso');
  await sleep(20);
  console.log(`  app-3: ${String(await ask(three, 'price', 'espresso'))}`);
  await sleep(50);
  console.log(`  app-1: ${String(await ask(one, 'price', 'espresso'))}`);

  console.log(
    '3. 3 servers x 20 concurrent calls of dailyReport: computed once (distributed lock):',
  );
  const reports = await Promise.all(servers.map((s) => ask(s, 'report', '2026-11-21')));
  console.log(`  every server got: ${JSON.stringify([...new Set(reports)])}`);

  await Promise.all(servers.map((s) => ask(s, 'exit')));
  await Promise.all(
    servers.map((s) => (s.exitCode === null ? new Promise((r) => s.once('exit', r)) : null)),
  );
  console.log('All servers shut down cleanly.');

  // Leave nothing behind: this run's keys (entries, generations, tags) and the "database".
  const store = redisStore(redisUrl, { namespace: run });
  await store.clear();
  await store.disconnect();
  rmSync(databaseFile, { force: true });
}

if (role === 'server') {
  await appServer(process.argv[3]!, url!);
} else if (url === undefined || url === '') {
  console.log(
    'skipped (it needs a Redis server): set REDIS_URL=redis://127.0.0.1:6379 to run this, e.g.',
  );
  console.log('  REDIS_URL=redis://127.0.0.1:6379 npm run playground');
} else {
  await main(url);
}
