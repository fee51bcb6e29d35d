/**
 * The history checker of the invalidation soak (`npm run soak`, `test/redis/soak.test.ts`):
 * given what the writer committed, what every reader read and which faults Redis went
 * through, it finds the reads that returned a value too old, the calls that failed and how
 * long the readers took to catch up after each fault. Pure: no Redis, no processes, no clock,
 * so it is unit-tested on synthetic histories (`test/tooling/soak-checker.test.ts`).
 *
 * Staleness of a read: 0 when it returned the newest version committed before it began;
 * otherwise how long before it began a newer version than the one returned had been committed
 * (the time the returned value had already been out of date). A read is stale when that is
 * more than the bound. Reads that overlap a fault, or the grace period after Redis answers
 * again, are not judged: during an outage the caches may lag, the promise is that they catch
 * up within the grace period once Redis is back.
 *
 * Every time is a wall-clock millisecond (`Date.now()`) taken by the process that saw the
 * event; the processes share one machine, hence one clock.
 */

/** A version of the records the writer committed to its database. */
export interface Commit {
  readonly version: number;
  /** When the commit became visible to readers (taken just before the atomic rename). */
  readonly at: number;
  /** Set when the invalidation that followed the commit rejected (it must never). */
  readonly error?: string;
}

/** One call of the cached method by a reader. */
export interface Read {
  /** Which reader process made the call. */
  readonly reader: number;
  readonly key: string;
  /** The version returned; absent when the call failed. */
  readonly version?: number;
  readonly start: number;
  readonly end: number;
  /** Set when the call rejected (it must never: store failures are misses). */
  readonly error?: string;
}

/** What the fault injector did to Redis. */
export type FaultKind = 'kill' | 'freeze' | 'flush';

/** One fault injected into Redis. */
export interface Fault {
  readonly kind: FaultKind;
  /** When the fault began (kill sent, SIGSTOP sent, FLUSHALL sent). */
  readonly start: number;
  /** When Redis answered a PING (or the FLUSHALL) again; absent if it never did. */
  readonly answeredAt?: number;
}

/** Everything a soak run recorded. */
export interface History {
  readonly commits: readonly Commit[];
  readonly reads: readonly Read[];
  readonly faults: readonly Fault[];
}

/** The checker's thresholds. */
export interface CheckOptions {
  /** Largest staleness a judged read may have. Default 1 500 ms. */
  readonly boundMs?: number;
  /** After Redis answers again, how long reads are not judged. Default 1 500 ms. */
  readonly graceMs?: number;
  /** Examples kept per finding. Default 5. */
  readonly examples?: number;
}

/** A stale read, with how stale it was and what it should have seen. */
interface StaleRead extends Read {
  readonly staleMs: number;
  /** The newest version committed before the read began. */
  readonly latest: number;
}

/** How long the readers took to catch up after one fault. */
interface Convergence {
  readonly fault: Fault;
  /**
   * Milliseconds from `answeredAt` until every reader had returned a version at least as new
   * as the newest one committed at `answeredAt`; undefined when some reader did not before the
   * next fault (or the end of the run), or Redis never answered.
   */
  readonly ms: number | undefined;
}

/** The checker's findings. */
export interface Verdict {
  readonly reads: number;
  /** Reads judged (outside faults and their grace period, and not failed). */
  readonly judged: number;
  readonly readers: number;
  readonly commits: number;
  readonly boundMs: number;
  readonly graceMs: number;
  readonly stale: { readonly count: number; readonly worstMs: number; readonly worst: StaleRead[] };
  /** Failed calls: reads that rejected and invalidations that rejected. */
  readonly failed: { readonly count: number; readonly examples: string[] };
  /** Reads of a version never committed, or committed only after the read ended. */
  readonly impossible: { readonly count: number; readonly examples: Read[] };
  readonly faults: Record<FaultKind, number>;
  readonly convergence: Convergence[];
  /** The time every relative time in {@link formatVerdict} counts from (the first read). */
  readonly origin: number;
}

/** Whether the run kept every promise: no stale read, no failed call, no impossible read. */
export function passed(verdict: Verdict): boolean {
  return verdict.stale.count === 0 && verdict.failed.count === 0 && verdict.impossible.count === 0;
}

/** Index of the last element of `sorted` (ascending by `at`) with `at < t`; -1 when none. */
function lastBefore(sorted: readonly Commit[], t: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.at < t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Checks a soak history; see the module comment for the rules. */
export function checkHistory(history: History, options: CheckOptions = {}): Verdict {
  const boundMs = options.boundMs ?? 1_500;
  const graceMs = options.graceMs ?? 1_500;
  const keep = options.examples ?? 5;
  const commits = [...history.commits].sort((a, b) => a.at - b.at || a.version - b.version);
  const byVersion = new Map(commits.map((c) => [c.version, c]));
  // The newest version committed up to each commit (versions only grow, but do not trust it).
  const newest: number[] = [];
  for (const c of commits) newest.push(Math.max(c.version, newest[newest.length - 1] ?? -Infinity));
  /** The newest version committed before `t`, or undefined. */
  const latestBefore = (t: number): number | undefined => {
    const i = lastBefore(commits, t);
    return i < 0 ? undefined : newest[i];
  };
  /** When a version newer than `version` was first committed. */
  const supersededAt = (version: number): number | undefined =>
    commits.find((c) => c.version > version)?.at;

  const faults = [...history.faults].sort((a, b) => a.start - b.start);
  const windows = faults.map((f) => [f.start, (f.answeredAt ?? Infinity) + graceMs] as const);
  const duringFault = (r: Read): boolean => windows.some(([s, e]) => r.start <= e && r.end >= s);

  const failedExamples: string[] = [];
  let failed = 0;
  const fail = (text: string): void => {
    failed++;
    if (failedExamples.length < keep) failedExamples.push(text);
  };
  for (const c of commits) {
    if (c.error !== undefined) fail(`invalidation after commit ${c.version}: ${c.error}`);
  }

  const stale: StaleRead[] = [];
  const impossible: Read[] = [];
  let judged = 0;
  for (const r of history.reads) {
    if (r.error !== undefined || r.version === undefined) {
      fail(`reader ${r.reader} ${r.key}: ${r.error ?? 'no version'}`);
      continue;
    }
    const commit = byVersion.get(r.version);
    if (commit === undefined || commit.at > r.end) {
      impossible.push(r);
      continue;
    }
    if (duringFault(r)) continue;
    judged++;
    const latest = latestBefore(r.start);
    if (latest === undefined || r.version >= latest) continue;
    const staleMs = r.start - supersededAt(r.version)!;
    if (staleMs > boundMs) stale.push({ ...r, staleMs, latest });
  }
  stale.sort((a, b) => b.staleMs - a.staleMs);

  const readers = [...new Set(history.reads.map((r) => r.reader))];
  const convergence = faults.map((fault, i): Convergence => {
    if (fault.answeredAt === undefined) return { fault, ms: undefined };
    const answeredAt = fault.answeredAt;
    const target = latestBefore(answeredAt + 1);
    const until = faults[i + 1]?.start ?? Infinity;
    let slowest = 0;
    for (const reader of readers) {
      const caughtUp = history.reads.find(
        (r) =>
          r.reader === reader &&
          r.start >= answeredAt &&
          r.start < until &&
          r.version !== undefined &&
          (target === undefined || r.version >= target),
      );
      if (!caughtUp) return { fault, ms: undefined };
      slowest = Math.max(slowest, caughtUp.end - answeredAt);
    }
    return { fault, ms: slowest };
  });

  const counts: Record<FaultKind, number> = { kill: 0, freeze: 0, flush: 0 };
  for (const f of faults) counts[f.kind]++;
  return {
    reads: history.reads.length,
    judged,
    readers: readers.length,
    commits: commits.length,
    boundMs,
    graceMs,
    stale: { count: stale.length, worstMs: stale[0]?.staleMs ?? 0, worst: stale.slice(0, keep) },
    failed: { count: failed, examples: failedExamples },
    impossible: { count: impossible.length, examples: impossible.slice(0, keep) },
    faults: counts,
    convergence,
    origin: history.reads.length
      ? history.reads.reduce((t, r) => Math.min(t, r.start), Infinity)
      : (commits[0]?.at ?? 0),
  };
}

const seconds = (ms: number): string => `${(ms / 1_000).toFixed(2)} s`;

/** The verdict as a few lines of text, times relative to the run's first read. */
export function formatVerdict(v: Verdict): string {
  const at = (t: number): string => `+${seconds(t - v.origin)}`;
  const lines: string[] = [];
  const total = v.faults.kill + v.faults.freeze + v.faults.flush;
  lines.push(
    `reads: ${v.reads} by ${v.readers} readers, ${v.judged} judged (the rest overlapped a ` +
      `fault or its ${v.graceMs} ms recovery, or failed); ${v.commits} commits`,
  );
  lines.push(
    `stale reads (more than ${v.boundMs} ms behind): ${v.stale.count}` +
      (v.stale.count ? `, worst ${v.stale.worstMs} ms` : ''),
  );
  for (const s of v.stale.worst) {
    lines.push(
      `  reader ${s.reader} ${s.key} at ${at(s.start)}: version ${s.version}, ` +
        `latest ${s.latest}, ${s.staleMs} ms stale`,
    );
  }
  lines.push(`failed calls: ${v.failed.count}`);
  for (const e of v.failed.examples) lines.push(`  ${e}`);
  if (v.impossible.count) {
    lines.push(
      `impossible reads (a version not committed before the read ended): ${v.impossible.count}`,
    );
    for (const r of v.impossible.examples) {
      lines.push(`  reader ${r.reader} ${r.key} at ${at(r.start)}: version ${r.version}`);
    }
  }
  lines.push(
    `faults: ${total} (kill+restart ${v.faults.kill}, freeze ${v.faults.freeze}, FLUSHALL ${v.faults.flush})`,
  );
  const known = v.convergence.flatMap((c) => (c.ms === undefined ? [] : [c.ms]));
  const never = v.convergence.length - known.length;
  if (v.convergence.length) {
    lines.push(
      `convergence after Redis answered again: worst ${known.length ? `${Math.max(...known)} ms` : '-'}` +
        `, not caught up before the next fault: ${never} of ${v.convergence.length}`,
    );
    lines.push(
      '  ' +
        v.convergence
          .map(
            (c) =>
              `${c.fault.kind} ${at(c.fault.start)}: ${c.ms === undefined ? 'never' : `${c.ms} ms`}`,
          )
          .join('; '),
    );
  }
  lines.push(passed(v) ? 'PASS' : 'FAIL');
  return lines.join('\n');
}
