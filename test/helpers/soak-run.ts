/**
 * The invalidation soak: one writer and several reader processes (`fixtures/worker.ts`) on a
 * private Redis with an append-only file, while the parent kills and restarts Redis, freezes it
 * and flushes it in turn. The writer commits a new version to its database (a JSON file, the
 * source of truth) and invalidates the records' tag every `everyMs`; the readers read the
 * records through `@cached({ store: 'redis', tags, ttl })` with a RedisBus and log every read.
 * `soak-checker.ts` then judges the history.
 *
 * Used by `npm run soak` (`scripts/soak.ts`) and `test/redis/soak.test.ts`. Needs
 * `redis-server` on the PATH and `HOTPATH_DECORATORS` set (the children compile their
 * decorators in that mode).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PrivateRedis } from './private-redis.js';
import {
  checkHistory,
  type Commit,
  type Fault,
  type FaultKind,
  type Read,
  type Verdict,
} from './soak-checker.js';
import { startWorkers, stopWorkers, type Worker } from './redis-workers.js';
import { sleepMs } from './time.js';

/** Settings of one soak run (every duration in milliseconds). */
export interface SoakOptions {
  /** How long the writer and readers run. */
  readonly durationMs: number;
  /** Reader processes. Default 3. */
  readonly readers?: number;
  /**
   * Records each reader reads in turn. Default 2: a reader then mostly hits its memory tier
   * during an outage, as a busy application process does, and seldom fails 5 store operations
   * in a row, so its own circuit breaker (which makes it compute every read, hence fresh
   * values) seldom hides what the shared tier serves.
   */
  readonly keys?: number;
  /** Pause between two reads of a reader. Default 10. */
  readonly pauseMs?: number;
  /** Time between two commits (each followed by an invalidation). Default 250. */
  readonly everyMs?: number;
  /** `ttl` of the cached records: long, so that only invalidation keeps them fresh. Default 60 000. */
  readonly ttlMs?: number;
  /**
   * How long Redis stays dead (kill) or frozen (SIGSTOP), fault after fault in turn. Default
   * `[1_600, 400]`: the long outages outlast 5 operations of 250 ms, which opens a circuit
   * breaker with its default settings; the short ones do not.
   */
  readonly downMs?: readonly number[];
  /** Staleness bound, and the grace period after Redis answers again. Default 1 500. */
  readonly boundMs?: number;
  /** Judged time between a fault's grace period and the next fault. Default 750. */
  readonly quietMs?: number;
  /** Whether the writer also reads (has run a `@cached` method) before it writes. Default false. */
  readonly writerReads?: boolean;
}

/** What one child process reported at the end of a soak. */
interface ProcessReport {
  readonly name: string;
  readonly errors: Record<string, number>;
  readonly bus: { readonly messages: readonly number[]; readonly resyncs: readonly number[] };
}

/** What one soak run recorded and what the checker found. */
export interface SoakResult {
  readonly verdict: Verdict;
  readonly commits: readonly Commit[];
  readonly reads: readonly Read[];
  readonly faults: readonly Fault[];
  /**
   * Per process: its registry `error` events and its bus and lock connection errors, counted
   * by message (digits folded to `#`), and when its bus delivered messages and resyncs.
   */
  readonly processes: readonly ProcessReport[];
  /** Whether every child process exited by itself when asked (no leaked handle). */
  readonly cleanExit: boolean;
}

const KINDS: readonly FaultKind[] = ['kill', 'freeze', 'flush'];

/**
 * Injects faults in turn (kill + restart with the same data, SIGSTOP + SIGCONT, FLUSHALL)
 * until `until`, leaving Redis running and answering. Fault `i` keeps Redis down for
 * `downMs[i % downMs.length]` and is followed by `graceMs + quietMs` of calm; none starts
 * unless it can end before `until`.
 */
async function injectFaults(
  server: PrivateRedis,
  until: number,
  downs: readonly number[],
  graceMs: number,
  quietMs: number,
): Promise<Fault[]> {
  const faults: Fault[] = [];
  // As much calm before the first fault as after each: the steady state is judged too.
  await sleepMs(graceMs + quietMs);
  // A fault starts only if Redis can be back and the grace period over before `until`: the
  // readers' catching up after it is then part of the history.
  for (let i = 0; Date.now() + downs[i % downs.length]! + graceMs < until; i++) {
    const kind = KINDS[i % KINDS.length]!;
    const downMs = downs[i % downs.length]!;
    const start = Date.now();
    let answered: boolean;
    if (kind === 'kill') {
      await server.kill();
      await sleepMs(downMs);
      await server.start();
      answered = true;
    } else if (kind === 'freeze') {
      server.pause();
      await sleepMs(downMs);
      server.resume();
      answered = await server.answering();
    } else {
      answered = await server.flushAll();
    }
    faults.push(answered ? { kind, start, answeredAt: Date.now() } : { kind, start });
    await sleepMs(graceMs + quietMs);
  }
  return faults;
}

/** Counts messages, with numbers folded so that repeats of one problem count together. */
function countMessages(messages: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of messages) {
    const k = m.replace(/\d+/g, '#');
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

/** Runs one soak and checks its history. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const readers = options.readers ?? 3;
  const boundMs = options.boundMs ?? 1_500;
  const dir = await mkdtemp(path.join(tmpdir(), 'hotpath-soak-'));
  const db = path.join(dir, 'db.json');
  let server: PrivateRedis | undefined;
  let workers: Worker[] = [];
  try {
    server = await PrivateRedis.start({ dir });
    await writeFile(db, JSON.stringify({ version: 0 }));
    const commits: Commit[] = [{ version: 0, at: Date.now() }];
    workers = await startWorkers(1 + readers, {
      HOTPATH_REDIS_URL: server.url,
      HOTPATH_RUN: `hotpath-soak:${process.pid}:${Date.now()}`,
      HOTPATH_SOAK_DB: db,
      HOTPATH_SOAK_TTL: String(options.ttlMs ?? 60_000),
    });
    const [writer, ...readerWorkers] = workers;
    const until = Date.now() + options.durationMs;
    const wait = options.durationMs + 30_000;
    const [written, read, faults] = await Promise.all([
      writer!.request<Commit[]>(
        'soakWrite',
        { until, everyMs: options.everyMs ?? 250, reads: options.writerReads ?? false },
        wait,
      ),
      Promise.all(
        readerWorkers.map((w) =>
          w.request<Omit<Read, 'reader'>[]>(
            'soakRead',
            { until, keys: options.keys ?? 2, pauseMs: options.pauseMs ?? 10 },
            wait,
          ),
        ),
      ),
      injectFaults(server, until, options.downMs ?? [1_600, 400], boundMs, options.quietMs ?? 750),
    ]);
    commits.push(...written);
    const reads = read.flatMap((log, i) => log.map((r) => ({ ...r, reader: i + 1 })));
    const processes = await Promise.all(
      workers.map(async (w, i): Promise<ProcessReport> => {
        const stats = await w.request<{
          errors: string[];
          connectionErrors: string[];
          bus: ProcessReport['bus'];
        }>('stats');
        return {
          name: i === 0 ? 'writer' : `reader ${i}`,
          errors: countMessages([...stats.errors, ...stats.connectionErrors]),
          bus: stats.bus,
        };
      }),
    );
    const cleanExit = (await stopWorkers(workers)).every(Boolean);
    workers = [];
    const verdict = checkHistory({ commits, reads, faults }, { boundMs, graceMs: boundMs });
    return { verdict, commits, reads, faults, processes, cleanExit };
  } finally {
    await stopWorkers(workers);
    await server?.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The errors each process saw, most frequent first, `limit` per process. */
export function formatErrors(result: SoakResult, limit = 4): string {
  const lines: string[] = [];
  for (const { name, errors } of result.processes) {
    const top = Object.entries(errors).sort((a, b) => b[1] - a[1]);
    if (top.length === 0) continue;
    lines.push(`${name}: ${top.reduce((n, [, c]) => n + c, 0)} errors`);
    for (const [message, n] of top.slice(0, limit)) lines.push(`  ${n} x ${message}`);
  }
  return lines.join('\n');
}
