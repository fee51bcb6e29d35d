/**
 * The soak's history checker on synthetic histories whose stale reads, failed calls and
 * convergence times are known.
 */
import { describe, expect, it } from '@jest/globals';
import {
  checkHistory,
  formatVerdict,
  passed,
  type Commit,
  type Fault,
  type Read,
} from '../helpers/soak-checker.js';

/** Version `v` committed at `v * 250` ms, for versions 0..n. */
function commitsUpTo(n: number): Commit[] {
  return Array.from({ length: n + 1 }, (_, v) => ({ version: v, at: v * 250 }));
}

/** The version a fresh reader sees at `t` with {@link commitsUpTo}. */
const freshAt = (t: number): number => Math.floor((t - 1) / 250);

/** Reader `reader` reading every 50 ms from `from` to `to`, `version(t)` returned. */
function readsOf(
  reader: number,
  from: number,
  to: number,
  version: (t: number) => number = freshAt,
): Read[] {
  const reads: Read[] = [];
  for (let t = from; t < to; t += 50) {
    reads.push({ reader, key: 'r0', version: version(t), start: t, end: t + 5 });
  }
  return reads;
}

describe('soak history checker', () => {
  const commits = commitsUpTo(40); // 0 .. 10 s

  it('passes a history where every read returns the newest committed version', () => {
    const reads = [...readsOf(1, 10, 10_000), ...readsOf(2, 30, 10_000)];
    const v = checkHistory({ commits, reads, faults: [] });
    expect(v.stale.count).toBe(0);
    expect(v.failed.count).toBe(0);
    expect(v.impossible.count).toBe(0);
    expect(v.judged).toBe(reads.length);
    expect(v.readers).toBe(2);
    expect(passed(v)).toBe(true);
  });

  it('catches a reader stuck on an old version, with how stale each read was', () => {
    // Reader 2 stays on version 8 (superseded by version 9 at 2 250 ms) from 2 s to 6 s.
    const stuck = (t: number): number => (t >= 2_000 && t < 6_000 ? 8 : freshAt(t));
    const reads = [...readsOf(1, 10, 10_000), ...readsOf(2, 10, 10_000, stuck)];
    const v = checkHistory({ commits, reads, faults: [] });
    // Stale beyond 1 500 ms: reads starting after 2 250 + 1 500 = 3 750 ms, up to 5 960 ms.
    const expected = reads.filter((r) => r.reader === 2 && r.start > 3_750 && r.start < 6_000);
    expect(v.stale.count).toBe(expected.length);
    expect(v.stale.worstMs).toBe(5_960 - 2_250);
    expect(v.stale.worst[0]).toMatchObject({ reader: 2, version: 8, latest: 23, staleMs: 3_710 });
    expect(v.stale.worst).toHaveLength(5);
    expect(passed(v)).toBe(false);
  });

  it('allows staleness up to the bound and no more', () => {
    // Version 4 superseded at 1 250 ms: a read of it starting at 2 750 ms is 1 500 ms stale.
    const at = (start: number): Read => ({
      reader: 1,
      key: 'r0',
      version: 4,
      start,
      end: start + 1,
    });
    expect(checkHistory({ commits, reads: [at(2_750)], faults: [] }).stale.count).toBe(0);
    const v = checkHistory({ commits, reads: [at(2_751)], faults: [] });
    expect(v.stale.count).toBe(1);
    expect(v.stale.worstMs).toBe(1_501);
    expect(
      checkHistory({ commits, reads: [at(2_751)], faults: [] }, { boundMs: 2_000 }).stale.count,
    ).toBe(0);
  });

  it('does not judge reads during a fault or its grace period, and judges them after', () => {
    // Redis killed at 3 000 ms, answering again at 3 500 ms: reads until 5 000 ms are not judged.
    const faults: Fault[] = [{ kind: 'kill', start: 3_000, answeredAt: 3_500 }];
    const stuck = (t: number): number => (t >= 3_000 && t < 7_000 ? 11 : freshAt(t));
    const reads = readsOf(1, 10, 10_000, stuck);
    const v = checkHistory({ commits, reads, faults });
    const judged = reads.filter((r) => r.end < 3_000 || r.start > 5_000);
    expect(v.judged).toBe(judged.length);
    // Version 11 superseded at 3 000 ms: reads from 5 010 ms to 6 960 ms are 2 010 .. 3 960 ms stale.
    expect(v.stale.count).toBe(judged.filter((r) => r.start >= 5_000 && r.start < 7_000).length);
    expect(v.stale.worstMs).toBe(3_960);
  });

  it('does not judge a read that began before a fault and ended in it', () => {
    const faults: Fault[] = [{ kind: 'freeze', start: 6_000, answeredAt: 6_400 }];
    const slow: Read = { reader: 1, key: 'r0', version: 10, start: 5_900, end: 6_100 };
    const v = checkHistory({ commits, reads: [slow], faults });
    expect(v.judged).toBe(0);
    expect(v.stale.count).toBe(0);
  });

  it('does not judge anything after a fault Redis never answered again from', () => {
    const faults: Fault[] = [{ kind: 'kill', start: 6_000 }];
    const reads = readsOf(1, 10, 10_000, () => 0);
    const v = checkHistory({ commits, reads, faults });
    expect(v.judged).toBe(reads.filter((r) => r.end < 6_000).length);
    expect(v.convergence).toEqual([{ fault: faults[0], ms: undefined }]);
  });

  it('counts failed reads and rejected invalidations as failed calls', () => {
    const reads: Read[] = [
      ...readsOf(1, 10, 1_000),
      { reader: 1, key: 'r1', start: 1_000, end: 1_250, error: 'HotpathError: E_STORE' },
    ];
    const failing = [...commits];
    failing[3] = { ...failing[3]!, error: 'Error: boom' };
    const v = checkHistory({ commits: failing, reads, faults: [] });
    expect(v.failed.count).toBe(2);
    expect(v.failed.examples).toEqual([
      'invalidation after commit 3: Error: boom',
      'reader 1 r1: HotpathError: E_STORE',
    ]);
    expect(passed(v)).toBe(false);
  });

  it('reports reads of a version never committed, or committed after the read ended', () => {
    const reads: Read[] = [
      { reader: 1, key: 'r0', version: 99, start: 500, end: 510 },
      { reader: 1, key: 'r0', version: 5, start: 1_000, end: 1_010 },
    ];
    const v = checkHistory({ commits, reads, faults: [] });
    expect(v.impossible.count).toBe(2);
    expect(v.impossible.examples).toEqual(reads);
    expect(passed(v)).toBe(false);
  });

  it('measures how long every reader took to catch up after each fault', () => {
    const faults: Fault[] = [
      { kind: 'kill', start: 1_000, answeredAt: 1_500 },
      { kind: 'freeze', start: 4_000, answeredAt: 4_400 },
      { kind: 'flush', start: 7_000, answeredAt: 7_002 },
    ];
    // At 1 500 ms version 6 is the newest: reader 1 returns it from 1 610 ms, reader 2 from
    // 2 010 ms. After the freeze reader 2 stays on version 15 until the flush. After the
    // flush both are fresh at once.
    const one = (t: number): number => (t >= 1_000 && t < 1_600 ? 3 : freshAt(t));
    const two = (t: number): number =>
      t >= 1_000 && t < 2_000 ? 3 : t >= 4_000 && t < 7_000 ? 15 : freshAt(t);
    const reads = [...readsOf(1, 10, 10_000, one), ...readsOf(2, 10, 10_000, two)];
    const v = checkHistory({ commits, reads, faults });
    expect(v.convergence.map((c) => c.ms)).toEqual([2_015 - 1_500, undefined, 7_015 - 7_002]);
    expect(v.faults).toEqual({ kill: 1, freeze: 1, flush: 1 });
  });

  it('summarizes the findings as text', () => {
    const faults: Fault[] = [{ kind: 'flush', start: 1_000, answeredAt: 1_001 }];
    const reads = readsOf(1, 10, 5_000, (t) => (t >= 3_000 ? 3 : freshAt(t)));
    const text = formatVerdict(checkHistory({ commits, reads, faults }));
    // Times count from the first read (10 ms).
    expect(text).toContain('stale reads (more than 1500 ms behind): 40, worst 3960 ms');
    expect(text).toContain('reader 1 r0 at +4.95 s: version 3, latest 19, 3960 ms stale');
    expect(text).toContain('faults: 1 (kill+restart 0, freeze 0, FLUSHALL 1)');
    expect(text).toContain('flush +0.99 s: 14 ms');
    expect(text.endsWith('FAIL')).toBe(true);
  });
});
