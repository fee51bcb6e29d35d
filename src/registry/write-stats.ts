/** `registry.writeStats()`: a registry's `stats()` exported to a JSON file. */
import { stat, writeFile } from 'node:fs/promises';
import { join as joinPath } from 'node:path';
import { optionError } from '../core/options.js';
import type { HotpathStats } from './types.js';

/** `text` with every character but letters, digits, `_` and `-` replaced by `-` (file names). */
function fileNamePart(text: string): string {
  return text.replace(/[^\w-]/g, '-');
}

/**
 * Writes the figures `stats` returns to a JSON file as `{ exportedAt, registry, stats }`
 * (`exportedAt`: an ISO 8601 time) and resolves with the file's path. `path` is the file, or an
 * existing directory in which the file is named `hotpath-stats-<registry>-<exportedAt>.json`
 * (every character but letters, digits, `_` and `-` replaced by `-`). `stats` is read once the
 * path is known, just before the write. Rejects with a `TypeError` for a `path` that is not a
 * non-empty string.
 */
export async function writeStats(
  registry: string,
  stats: () => HotpathStats,
  path: string,
): Promise<string> {
  if (typeof path !== 'string' || path.length === 0) {
    throw optionError({ where: 'registry.writeStats()' }, 'path', 'a non-empty string', path);
  }
  const exportedAt = new Date().toISOString();
  const isDirectory = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const file = isDirectory
    ? joinPath(path, `hotpath-stats-${fileNamePart(registry)}-${fileNamePart(exportedAt)}.json`)
    : path;
  const body = { exportedAt, registry, stats: stats() };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}
