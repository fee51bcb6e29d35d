/**
 * Renders `stats()` as text for logs and terminals: one table per decorator (a row per
 * method, a column per figure, numbers right-aligned), a table per registry-wide section of
 * named figures (`pools`: a row per pool), then one line per other section (e.g. `memory`).
 *
 * Units come from figure names: `…Ms` is a duration (`250.0 µs`, `1.25 s`), `…Bytes` a size
 * (`45.2 MB`), `…BytesPerSec` a rate (`1.2 MB/s`); the suffix is dropped from the column
 * header. Whole numbers get thousands separators, `null`/missing figures show as `-`, and a
 * nested object of figures (e.g. `sizes: { max, mean }`) becomes `sizes.max`, `sizes.mean`.
 */
import type { HotpathStats } from './types.js';

/** Formats milliseconds with a unit that keeps 3 significant digits readable. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 0.001) return `${(ms * 1e6).toFixed(0)} ns`;
  if (ms < 1) return `${(ms * 1e3).toFixed(1)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Formats a byte count in binary units (`512 B`, `3.4 KB`, `45.2 MB`, `1.50 GB`). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${bytes} B`;
  if (abs < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (abs < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

const UNITS: readonly [suffix: string, format: (n: number) => string][] = [
  ['BytesPerSec', (n) => `${formatBytes(n)}/s`],
  ['Bytes', formatBytes],
  ['Ms', formatMs],
];

/** A column header without its unit suffix (`meanMs` → `mean`). */
function label(key: string): string {
  for (const [suffix] of UNITS) {
    if (key.endsWith(suffix) && key.length > suffix.length) return key.slice(0, -suffix.length);
  }
  return key;
}

/** One figure as text, with the unit its name implies. */
function formatValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') {
    for (const [suffix, format] of UNITS) {
      if (key.endsWith(suffix) && key.length > suffix.length) return format(value);
    }
    if (!Number.isFinite(value)) return '-';
    if (Number.isInteger(value)) return value.toLocaleString('en-US');
    return Math.abs(value) < 1 ? value.toPrecision(2) : value.toFixed(2);
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function isNumeric(value: unknown): boolean {
  return typeof value === 'number' || value === null || value === undefined;
}

/** Flattens one level of nested plain objects: `{ sizes: { max: 3 } }` → `{ 'sizes.max': 3 }`. */
function flatten(figures: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(figures)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [sub, v] of Object.entries(value)) out[`${key}.${sub}`] = v;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * Pads every column of `rows` to its widest cell; columns listed in `right` are right-aligned.
 * The last column is not padded on the right.
 */
function alignColumns(rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          if (right.has(i)) return cell.padStart(widths[i]!);
          return i === row.length - 1 ? cell : cell.padEnd(widths[i]!);
        })
        .join('  '),
    )
    .join('\n');
}

/** One decorator's table: a row per method, a column per figure (first-seen order). */
function decoratorTable(decorator: string, perMethod: [string, Record<string, unknown>][]): string {
  return figuresTable(`@${decorator}`, 'method', perMethod);
}

/** A table titled `title`: a row per named set of figures (first column `first`), a column per figure. */
function figuresTable(
  title: string,
  first: string,
  perName: [string, Record<string, unknown>][],
): string {
  const flat = perName.map(([method, figures]) => [method, flatten(figures)] as const);
  const keys: string[] = [];
  for (const [, figures] of flat)
    for (const key of Object.keys(figures)) if (!keys.includes(key)) keys.push(key);
  const right = new Set<number>();
  keys.forEach((key, i) => {
    if (flat.every(([, figures]) => isNumeric(figures[key]))) right.add(i + 1);
  });
  const rows = [[first, ...keys.map(label)]];
  for (const [method, figures] of flat)
    rows.push([method, ...keys.map((k) => formatValue(k, figures[k]))]);
  return `${title}\n${alignColumns(rows, right)}`;
}

/** Is `value` an object of named figures (`pools: { db: {...}, cache: {...} }`): shown as a table. */
function isNamedFigures(value: unknown): value is Record<string, Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const rows = Object.values(value);
  return (
    rows.length > 0 && rows.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))
  );
}

/** A registry-wide section as one line: `memory  heapUsed 45.2 MB · trend growing`. */
function sectionLine(name: string, value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return `${name}  ${formatValue(name, value)}`;
  }
  const cells = Object.entries(flatten(value as Record<string, unknown>)).map(
    ([k, v]) => `${label(k)} ${formatValue(k, v)}`,
  );
  return `${name}  ${cells.join(' · ')}`;
}

/** The text behind `registry.report()`. */
export function formatReport(stats: HotpathStats): string {
  const byDecorator = new Map<string, [string, Record<string, unknown>][]>();
  for (const [method, perDecorator] of Object.entries(stats.methods)) {
    for (const [decorator, figures] of Object.entries(perDecorator)) {
      let rows = byDecorator.get(decorator);
      if (!rows) byDecorator.set(decorator, (rows = []));
      rows.push([method, figures]);
    }
  }
  const parts = [`hotpath report — registry '${stats.registry}'`];
  if (byDecorator.size === 0) parts.push('(no decorated method has been called yet)');
  for (const [decorator, rows] of byDecorator) parts.push(decoratorTable(decorator, rows));
  const sections = Object.entries(stats).filter(
    ([name]) => name !== 'registry' && name !== 'methods',
  );
  // A section of named figures (`pools`) is a table with a row per name; others are one line.
  for (const [name, value] of sections)
    if (isNamedFigures(value))
      parts.push(figuresTable(name, name.replace(/s$/, ''), Object.entries(value)));
  const lines = sections.filter(([, value]) => !isNamedFigures(value));
  if (lines.length > 0)
    parts.push(lines.map(([name, value]) => sectionLine(name, value)).join('\n'));
  return parts.join('\n\n');
}
