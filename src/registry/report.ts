/**
 * Renders `stats()` as an aligned text table: one row per method and decorator, its figures
 * as `name value` pairs. Durations (keys ending in `Ms`) get a unit; large counts get
 * thousands separators.
 */
import type { HotpathStats } from './types.js';

function formatFigure(key: string, value: unknown): string {
  if (typeof value === 'number') {
    if (/Ms$/.test(key)) return `${key.slice(0, -2)} ${formatMs(value)}`;
    return `${key} ${Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(2)}`;
  }
  if (value === null || value === undefined) return `${key} -`;
  if (typeof value === 'object') return `${key} ${JSON.stringify(value)}`;
  return `${key} ${String(value)}`;
}

/** Formats milliseconds with a unit that keeps 3 significant digits readable. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 0.001) return `${(ms * 1e6).toFixed(0)} ns`;
  if (ms < 1) return `${(ms * 1e3).toFixed(1)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Pads every column of `rows` to its widest cell. */
export function alignColumns(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

/** The table behind `registry.report()`. */
export function formatReport(stats: HotpathStats): string {
  const rows: string[][] = [['method', 'decorator', 'figures']];
  for (const [method, perDecorator] of Object.entries(stats.methods)) {
    for (const [decorator, figures] of Object.entries(perDecorator)) {
      const cells = Object.entries(figures).map(([k, v]) => formatFigure(k, v));
      rows.push([method, `@${decorator}`, cells.join(' · ')]);
    }
  }
  const header = `hotpath report — registry '${stats.registry}'`;
  if (rows.length === 1) return `${header}\n(no decorated method has been called yet)`;
  return `${header}\n${alignColumns(rows)}`;
}
