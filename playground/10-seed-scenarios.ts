/**
 * What users of the systems hotpath comes from relied on, one scenario each:
 * 1. Keiko's async task processor: a bounded worker queue (3 at once, 5 waiting, the rest refused);
 * 2. the desktop app's batched UI updates: write-behind, one render per 16 ms frame;
 * 3. the Telegram bot: messages sent in batches of 100, or whatever 5 s collected;
 * 4. the desktop app's weak-value cache, lazy records and lazy imports, memory per call, and its
 *    memory monitor's snapshot and collect; bunsui's profiled blocks and stats export.
 * Run: npx tsx playground/10-seed-scenarios.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  batched,
  bindHotpath,
  cached,
  control,
  createHotpath,
  isHotpathError,
  lazy,
  lazyRecord,
  memoryMonitor,
  profile,
  rateLimit,
} from '../src/index.js';

const t0 = Date.now();
const at = (): string => `${String(Date.now() - t0).padStart(4)} ms`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const registry = createHotpath({ name: 'playground-seeds' });

// 1. A bounded worker queue -------------------------------------------------------------------
class TaskProcessor {
  running = 0;
  @rateLimit({ maxConcurrent: 3, maxQueue: 5 }) // 3 workers, 5 tasks may wait, the rest refused
  async process(task: string): Promise<string> {
    this.running++;
    console.log(`${at()}  start ${task} (${this.running} running)`);
    await sleep(30);
    this.running--;
    return `${task} done`;
  }
}
console.log('1. Ten tasks submitted at once to 3 workers with a queue of 5:');
const processor = bindHotpath(new TaskProcessor(), registry);
const outcomes = await Promise.allSettled(
  Array.from({ length: 10 }, (_, i) => processor.process(`task-${i + 1}`)),
);
for (const [i, outcome] of outcomes.entries()) {
  if (outcome.status === 'rejected' && isHotpathError(outcome.reason, 'E_RATE_LIMITED')) {
    console.log(`${at()}  task-${i + 1} refused: ${(outcome.reason as Error).message}`);
  }
}
console.log(`${at()}  ${outcomes.filter((o) => o.status === 'fulfilled').length} tasks done\n`);

// 2. Batched UI updates -----------------------------------------------------------------------
interface Update {
  widget: string;
  value: number;
}
class Screen {
  renders = 0;
  /** Write-behind: every update of a 16 ms frame is applied in one render. */
  @batched({ maxWait: '16ms', dedupe: false })
  async apply(updates: Update[]): Promise<void> {
    this.renders++;
    const widgets = new Set(updates.map((u) => u.widget)).size;
    console.log(
      `${at()}  render #${this.renders}: ${updates.length} updates to ${widgets} widgets`,
    );
  }
}
console.log('2. A progress bar and a counter updated 200 times in 40 ms:');
const screen = bindHotpath(new Screen(), registry);
for (let i = 0; i < 200; i++) {
  void screen.apply([{ widget: i % 2 ? 'progress' : 'counter', value: i }]);
  if (i % 50 === 49) await sleep(10);
}
await control(screen, 'apply').flush();
console.log(`${at()}  200 updates, ${screen.renders} renders\n`);

// 3. The Telegram bot's outgoing messages -----------------------------------------------------
class Outbox {
  @batched({ maxBatchSize: 100, maxWait: '5s', dedupe: false })
  async send(messages: string[]): Promise<void> {
    console.log(`${at()}  sendMessages: ${messages.length} messages in one API call`);
  }
}
console.log('3. 250 messages: two full batches of 100 at once, the last 50 after 5 s:');
const outbox = bindHotpath(new Outbox(), registry);
await Promise.all(Array.from({ length: 250 }, (_, i) => outbox.send([`message ${i + 1}`])));
console.log();

// 4. Weak cache, lazy record and import, memory per call, memory snapshot ---------------------
interface Doc {
  id: string;
  lines: string[];
}
class Documents {
  @cached({ weak: true }) // the same Doc while anyone holds it; collectable once nobody does
  open(id: string): Doc {
    return { id, lines: [`contents of ${id}`] };
  }

  @profile({ memory: true })
  index(doc: Doc): Map<string, number> {
    return new Map(doc.lines.flatMap((l) => l.split(' ')).map((w, i) => [w, i]));
  }
}
const docs = bindHotpath(new Documents(), registry);
const readme = docs.open('README');
console.log(`4. weak cache: same object while held: ${docs.open('README') === readme}`);
for (let i = 0; i < 50; i++) docs.index(readme);
const { memory } = (control(docs, 'index').stats() as { profile: { memory: { p50Bytes: number } } })
  .profile;
console.log(
  `   @profile({ memory: true }): median heap growth per index() ${memory.p50Bytes} bytes`,
);

const services = lazyRecord({
  config: () => (console.log(`${at()}  reading config`), { region: 'eu-west-1' }),
  zlib: () => import('node:zlib'),
});
console.log(`   lazyRecord: keys ${Object.keys(services).join(', ')}, nothing computed yet`);
console.log(`   config.region ${services.config.region} (and again: ${services.config.region})`);
const gzip = lazy(async () => (await services.zlib).gzipSync);
console.log(
  `   lazy import: gzip of 1 000 'a' is ${(await gzip())('a'.repeat(1000)).length} bytes`,
);

const snap = memoryMonitor.snapshot();
const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MB`;
console.log(
  `   snapshot: rss ${mb(snap.rssBytes)}, heap ${mb(snap.heapUsedBytes)}, external ${mb(snap.externalBytes)}, array buffers ${mb(snap.arrayBuffersBytes)}`,
);
try {
  const { freed } = memoryMonitor.collect();
  console.log(`   collect(): freed ${mb(freed.heapUsedBytes)} of heap`);
} catch (error) {
  console.log(`   collect() without --expose-gc: ${(error as Error).message}`);
}

// A block that is not a method, recorded like @profile; then every figure to a JSON file.
const imported = await registry.measure('import-users', async () => {
  await sleep(20);
  return 42;
});
console.log(`   registry.measure('import-users'): ${imported} users imported`);
const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-playground-'));
const file = await registry.writeStats(dir);
const { exportedAt, stats } = JSON.parse(readFileSync(file, 'utf8')) as {
  exportedAt: string;
  stats: { methods: Record<string, unknown> };
};
console.log(`   registry.writeStats(): ${path.basename(file)}, exported at ${exportedAt}`);
console.log(`   with figures of ${Object.keys(stats.methods).join(', ')}`);
rmSync(dir, { recursive: true });

console.log(`\n${registry.report()}`);
await registry.shutdown();
