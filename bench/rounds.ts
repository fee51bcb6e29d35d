/**
 * Interleaved rounds with wall and CPU time, for the benches that compare hotpath with an anchor
 * in a process shaped like a service (realistic.bench.ts, shared-tier.bench.ts).
 *
 * Each case is a function that runs `n` operations itself (its own loop, so no closure call per
 * operation sits between the timer and the code measured). A round runs every case once, in an
 * order that rotates from round to round, so drift (other people's load on a shared machine, GC
 * debt, JIT tiers) falls on every case alike; the figure kept for a case is the median of its
 * rounds, and ratios are taken round by round (case / anchor of the same round) before their
 * median. CPU time is `process.cpuUsage()` (user + system, GC threads included): on a loaded
 * machine it moves much less than wall time, which counts the time other processes held the CPU.
 */
import { writeFileSync } from 'node:fs';

/** One side of a comparison: `run(n)` performs `n` operations (awaited when it returns a promise). */
export interface RoundCase {
  name: string;
  run: (n: number) => unknown;
  /** The anchor this case's ratio is taken against (a case name); none for an anchor. */
  vs?: string;
}

/** The median figures of one case, per operation. */
export interface RoundResult {
  name: string;
  vs: string | undefined;
  wallNs: number;
  cpuNs: number;
  /** Median over rounds of (this case / its anchor in the same round), wall time. */
  wallRatio: number | undefined;
  /** The same, CPU time. */
  cpuRatio: number | undefined;
  /** Median over rounds of (this case − its anchor), wall ns per operation. */
  wallOverNs: number | undefined;
  cpuOverNs: number | undefined;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function once(c: RoundCase, n: number): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = c.run(n);
  if (r instanceof Promise) await r;
  const wall = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  return { wall: wall / n, cpu: ((cpu.user + cpu.system) * 1e3) / n };
}

/**
 * Runs `rounds` interleaved rounds of `ops` operations per case (after one warm-up round that
 * is not kept) and prints a table: median wall and CPU ns per operation, and the ratio and
 * difference to each case's anchor.
 */
export async function interleaved(
  title: string,
  cases: readonly RoundCase[],
  { rounds = 9, ops }: { rounds?: number; ops: number },
): Promise<Map<string, RoundResult>> {
  const wall = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const cpu = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (const c of cases) await once(c, ops); // warm-up, not kept
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + round) % cases.length]!;
      const r = await once(c, ops);
      wall.get(c.name)!.push(r.wall);
      cpu.get(c.name)!.push(r.cpu);
    }
  }
  const results = new Map<string, RoundResult>();
  for (const c of cases) {
    const w = wall.get(c.name)!;
    const u = cpu.get(c.name)!;
    const aw = c.vs === undefined ? undefined : wall.get(c.vs);
    const au = c.vs === undefined ? undefined : cpu.get(c.vs);
    results.set(c.name, {
      name: c.name,
      vs: c.vs,
      wallNs: median(w),
      cpuNs: median(u),
      wallRatio: aw && median(w.map((x, i) => x / aw[i]!)),
      cpuRatio: au && median(u.map((x, i) => x / au[i]!)),
      wallOverNs: aw && median(w.map((x, i) => x - aw[i]!)),
      cpuOverNs: au && median(u.map((x, i) => x - au[i]!)),
    });
  }
  printTable(title, [...results.values()], rounds, ops);
  return results;
}

function fmt(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns >= 100) return ns.toFixed(0);
  return ns.toFixed(1);
}

function printTable(title: string, rows: RoundResult[], rounds: number, ops: number): void {
  const header = ['case', 'wall ns/op', 'cpu ns/op', 'vs anchor (wall)', 'vs anchor (cpu)'];
  const rel = (ratio: number | undefined, over: number | undefined): string =>
    ratio === undefined ? 'anchor' : `${ratio.toFixed(2)}x (${over! >= 0 ? '+' : ''}${fmt(over!)})`;
  const body = rows.map((r) => [
    r.name,
    fmt(r.wallNs),
    fmt(r.cpuNs),
    rel(r.wallRatio, r.wallOverNs),
    rel(r.cpuRatio, r.cpuOverNs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(
    [
      `\n## ${title} (median of ${rounds} interleaved rounds of ${ops} ops)`,
      line(header),
      widths.map((w) => '-'.repeat(w)).join('  '),
      ...body.map(line),
    ].join('\n'),
  );
}

/** One bar pair of {@link writeChart}: hotpath beside its anchor, ns per operation. */
export interface ChartPair {
  label: string;
  hotpathNs: number;
  anchor: string;
  anchorNs: number;
}

/** Writes a horizontal bar chart (SVG) of hotpath beside its anchors, one pair per row. */
export function writeChart(file: string, title: string, pairs: readonly ChartPair[]): void {
  const rowH = 46;
  const left = 300;
  const width = 900;
  const barW = width - left - 110;
  const height = 50 + pairs.length * rowH;
  const esc = (s: string): string =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${left}" y="28" width="10" height="10" fill="#d9480f"/><text x="${left + 14}" y="37">hotpath</text>`,
    `<rect x="${left + 80}" y="28" width="10" height="10" fill="#868e96"/><text x="${left + 94}" y="37">anchor (named under the bar)</text>`,
  ];
  pairs.forEach((p, i) => {
    const y = 50 + i * rowH;
    const max = Math.max(p.hotpathNs, p.anchorNs);
    const w = (ns: number): number => Math.max(1, (ns / max) * barW);
    parts.push(
      `<text x="${left - 8}" y="${y + 14}" text-anchor="end">${esc(p.label)}</text>`,
      `<rect x="${left}" y="${y + 4}" width="${w(p.hotpathNs).toFixed(1)}" height="14" fill="#d9480f"/>`,
      `<text x="${left + w(p.hotpathNs) + 4}" y="${y + 15}">${fmt(p.hotpathNs)} ns (${(p.hotpathNs / p.anchorNs).toFixed(2)}x)</text>`,
      `<rect x="${left}" y="${y + 20}" width="${w(p.anchorNs).toFixed(1)}" height="14" fill="#868e96"/>`,
      `<text x="${left + w(p.anchorNs) + 4}" y="${y + 31}">${fmt(p.anchorNs)} ns ${esc(p.anchor)}</text>`,
    );
  });
  parts.push('</svg>\n');
  writeFileSync(file, parts.join('\n'));
  console.log(`\nchart written to ${file}`);
}
