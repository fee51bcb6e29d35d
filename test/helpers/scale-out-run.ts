/**
 * Drives four `fixtures/scale-out-worker.ts` processes on a Redis Cluster or a Sentinel set for
 * the scale-out suites: shared values, tag invalidation across processes (with every read logged,
 * so staleness is judged read by read), and a load during which the caller kills a master.
 * Returns what happened; the suites assert.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { busiestWindow } from './busiest-window.js';
import { targetEnv, type RedisTarget } from './redis-engine-run.js';
import { SCALE_OUT_WORKER, startWorkers, stopWorkers, type Worker } from './redis-workers.js';
import { sleepMs } from './time.js';

/** One read of `product(id)` in a worker. */
interface Read {
  start: number;
  version?: number;
  error?: string;
}

/** A worker's bus log and registry figures. */
export interface WorkerStats {
  stats: { methods?: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  errors: string[];
  connectionErrors: string[];
  bus: { messages: { at: number; tags: string[] }[]; resyncs: number[] };
}

/** What one worker's `load` reports. */
export interface LoadReport {
  /** The longest the worker's event loop was held up during the load. */
  loopDelayMaxMs: number;
  calls: number;
  failures: number;
  failed: string[];
  maxMs: number;
  slow: number[];
  slowCount: number;
  computed: number;
  sends: number[];
  sendFailed: string[];
}

/** The settings every worker runs with. */
export interface ScaleOutSettings {
  /** `@cached`'s `storeTimeout` (ms). */
  readonly storeTimeout: number;
  /** The shared limit: `limit` starts per `interval` ms, `redisTimeout` ms per decision. */
  readonly limit: number;
  readonly interval: number;
  readonly redisTimeout: number;
  /** The limit's name in Redis. */
  readonly limitKey: string;
  /** The bus's channel. */
  readonly channel: string;
  /** The cooldown of each store's circuit breaker (ms). */
  readonly breakerCooldown: number;
}

/** How a tag invalidation went, per worker. */
export interface InvalidationOutcome {
  /** When `registry.invalidate()` was called and resolved in the invalidating worker. */
  startedAt: number;
  doneAt: number;
  /**
   * Per worker, from when on every read must return the new version: the invalidating
   * worker's `doneAt`; in another worker, the arrival of the last bus message naming the tag
   * (undefined if none came). The invalidating process publishes once its store took the mark;
   * if the store took it only later, once more then.
   */
  freshFrom: (number | undefined)[];
  /** Bus messages naming the tag, per worker (2 when the mark's write was retried). */
  messages: number[];
  /** Reads started at or after `freshFrom` that returned something else (should be none). */
  stale: { worker: number; read: Read }[];
  /** Reads started at or after `freshFrom` that returned the new version, per worker. */
  freshReads: number[];
  /**
   * Reads started before `freshFrom` that returned the old version, per worker: the process
   * held it (so its fresh reads show the invalidation at work).
   */
  heldReads: number[];
  /** Failed reads, all workers. */
  failed: string[];
}

/** Four worker processes on one target, with their "database" file. */
export class ScaleOutRun {
  readonly workers: readonly Worker[];
  readonly settings: ScaleOutSettings;
  readonly #dir: string;
  readonly #versions: Record<string, number> = {};

  private constructor(workers: Worker[], settings: ScaleOutSettings, dir: string) {
    this.workers = workers;
    this.settings = settings;
    this.#dir = dir;
  }

  get #db(): string {
    return path.join(this.#dir, 'db.json');
  }

  /** Starts four workers on `target` and waits until they are ready. */
  static async start(target: RedisTarget, settings: ScaleOutSettings): Promise<ScaleOutRun> {
    const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-scale-out-'));
    writeFileSync(path.join(dir, 'db.json'), '{}');
    try {
      const workers = await startWorkers(
        4,
        {
          ...targetEnv(target),
          HOTPATH_RUN: `hotpath-test:scale-out:${process.pid}:${Date.now()}`,
          HOTPATH_DB: path.join(dir, 'db.json'),
          HOTPATH_CHANNEL: settings.channel,
          HOTPATH_STORE_TIMEOUT: String(settings.storeTimeout),
          HOTPATH_LIMIT: String(settings.limit),
          HOTPATH_INTERVAL: String(settings.interval),
          HOTPATH_LIMIT_KEY: settings.limitKey,
          HOTPATH_REDIS_TIMEOUT: String(settings.redisTimeout),
          HOTPATH_BREAKER_COOLDOWN: String(settings.breakerCooldown),
        },
        60_000,
        SCALE_OUT_WORKER,
      );
      return new ScaleOutRun(workers, settings, dir);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Commits `version` of `id` to the "database" (write, then atomic rename). */
  setVersion(id: string, version: number): void {
    this.#versions[id] = version;
    writeFileSync(`${this.#db}.next`, JSON.stringify(this.#versions));
    renameSync(`${this.#db}.next`, this.#db);
  }

  /** How many times `product(id)` ran, all workers together. */
  async computed(id: string): Promise<number> {
    const all = await Promise.all(
      this.workers.map((w) => w.request<Record<string, number>>('computed')),
    );
    return all.reduce((sum, c) => sum + (c[id] ?? 0), 0);
  }

  /** Every worker's bus log and figures. */
  stats(): Promise<WorkerStats[]> {
    return Promise.all(this.workers.map((w) => w.request<WorkerStats>('stats')));
  }

  /**
   * Worker 0 computes `product(id)`; then each other worker reads it. Resolves what each
   * returned (`{ id, version, by }`) and how many times the method ran in all.
   */
  async share(id: string): Promise<{ values: unknown[]; computed: number }> {
    this.setVersion(id, 1);
    // A tag Redis has no mark for reads as "invalidated now" (lost bookkeeping must never
    // serve a stale value), so the first value under a brand-new tag is not shared: a real
    // application's tags were used before.
    await this.workers[0]!.request('invalidate', { tags: [`product:${id}`] });
    const first = await this.workers[0]!.request('product', { key: id });
    // The write to Redis is not awaited by the caller: give it a moment to land.
    await sleepMs(200);
    const others = await Promise.all(
      this.workers.slice(1).map((w) => w.request('product', { key: id })),
    );
    return { values: [first, ...others], computed: await this.computed(id) };
  }

  /**
   * Every worker holds `product(id)` at version 1 and reads it every 5 ms; the "database"
   * moves to version 2 and worker `by` invalidates the tag. Every read is logged and judged
   * against when it started: in worker `by`, reads started after `invalidate()` resolved must
   * return version 2; in the others, reads started after the bus message arrived. `watchMs`
   * bounds how long the message may take (a liveness bound, not a timed assertion).
   */
  async invalidate(id: string, by: number, watchMs = 2_500): Promise<InvalidationOutcome> {
    const tag = `product:${id}`;
    this.setVersion(id, 1);
    await this.workers[by]!.request('invalidate', { tags: [tag] });
    for (const w of this.workers) await w.request('product', { key: id });
    this.setVersion(id, 2);
    const at = Date.now() + 200;
    const watching = Promise.all(
      this.workers.map((w) =>
        w.request<Read[]>('watch', { key: id, at, ms: watchMs, pauseMs: 5 }, watchMs + 10_000),
      ),
    );
    await sleepMs(at + 300 - Date.now());
    const { startedAt, doneAt } = await this.workers[by]!.request<{
      startedAt: number;
      doneAt: number;
    }>('invalidate', { tags: [tag] });
    const reads = await watching;
    const stats = await this.stats();
    const messages = stats.map((s) =>
      s.bus.messages.filter((m) => m.at >= startedAt && m.tags.includes(tag)).map((m) => m.at),
    );
    // The last message: when the invalidating process's store did not take the mark at once,
    // it publishes the invalidation again once the write lands (before that, another process
    // may still read the old entry from Redis).
    const freshFrom = messages.map((at, w) => (w === by ? doneAt : at.at(-1)));
    const stale: { worker: number; read: Read }[] = [];
    const freshReads = reads.map(() => 0);
    const heldReads = reads.map(() => 0);
    const failed: string[] = [];
    reads.forEach((log, w) => {
      for (const read of log) {
        if (read.error !== undefined) failed.push(read.error);
        const from = freshFrom[w];
        if (from === undefined) continue;
        if (read.start < from) {
          if (read.version === 1) heldReads[w]!++;
        } else if (read.version === 2) freshReads[w]!++;
        else stale.push({ worker: w, read });
      }
    });
    return {
      startedAt,
      doneAt,
      freshFrom,
      messages: messages.map((at) => at.length),
      stale,
      freshReads,
      heldReads,
      failed,
    };
  }

  /**
   * Every worker runs the load from `startAt` for `ms`: three loops reading `product()` over
   * 64 keys (a memory tier of 8: most reads go to Redis), and one rate-limited `send()` every
   * `arrival` ms. `during(startAt)` runs meanwhile (the fault).
   */
  async load(
    ms: number,
    arrival: number,
    during: (startAt: number) => Promise<void>,
  ): Promise<{ reports: LoadReport[]; startAt: number }> {
    for (let k = 0; k < 64; k++) this.setVersion(`k${k}`, 1);
    const startAt = Date.now() + 1_000;
    const [reports] = await Promise.all([
      Promise.all(
        this.workers.map((w) =>
          w.request<LoadReport>(
            'load',
            { at: startAt, keys: 64, clients: 3, ms, arrival },
            ms + 60_000,
          ),
        ),
      ),
      during(startAt),
    ]);
    return { reports, startAt };
  }

  /** Stops the workers (resolves whether each exited by itself) and removes the "database". */
  async stop(): Promise<boolean[]> {
    const clean = await stopWorkers(this.workers);
    rmSync(this.#dir, { recursive: true, force: true });
    return clean;
  }
}

/** The figures of a load, all workers together, for the suite's output and its assertions. */
export function loadFigures(reports: readonly LoadReport[], interval: number) {
  const sends = reports.flatMap((r) => r.sends);
  return {
    calls: reports.reduce((n, r) => n + r.calls, 0),
    failures: reports.reduce((n, r) => n + r.failures, 0),
    failed: reports.flatMap((r) => r.failed),
    computed: reports.reduce((n, r) => n + r.computed, 0),
    loopDelayMaxMs: reports.map((r) => r.loopDelayMaxMs),
    slowCount: reports.reduce((n, r) => n + r.slowCount, 0),
    slowest: reports
      .flatMap((r) => r.slow)
      .sort((a, b) => b - a)
      .slice(0, 5),
    sends: sends.length,
    sendFailed: reports.flatMap((r) => r.sendFailed),
    busiestWindow: busiestWindow(sends, interval),
  };
}
