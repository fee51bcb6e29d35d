/**
 * `registry.writeStats(path?)`: the whole `stats()` in a JSON file, with the time it was taken.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createHotpath } from '../../src/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-write-stats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('registry.writeStats()', () => {
  it('writes { exportedAt, registry, stats } to the given file and returns its path', async () => {
    const registry = createHotpath({ name: 'exports' });
    registry.measure('warm-up', () => 1);
    const file = path.join(dir, 'stats.json');
    const before = Date.now();
    await expect(registry.writeStats(file)).resolves.toBe(file);
    const written = JSON.parse(readFileSync(file, 'utf8')) as {
      exportedAt: string;
      registry: string;
      stats: unknown;
    };
    expect(Object.keys(written)).toEqual(['exportedAt', 'registry', 'stats']);
    expect(Date.parse(written.exportedAt)).toBeGreaterThanOrEqual(before - 1);
    expect(written.registry).toBe('exports');
    expect(written.stats).toEqual(JSON.parse(JSON.stringify(registry.stats())));
  });

  it('names the file after the registry and the time when given a directory', async () => {
    const registry = createHotpath({ name: 'nightly' });
    const file = await registry.writeStats(dir);
    expect(path.dirname(file)).toBe(dir);
    expect(path.basename(file)).toMatch(
      /^hotpath-stats-nightly-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.json$/,
    );
    const written = JSON.parse(readFileSync(file, 'utf8')) as { exportedAt: string };
    expect(path.basename(file)).toBe(
      `hotpath-stats-nightly-${written.exportedAt.replace(/[:.]/g, '-')}.json`,
    );
  });

  it('refuses a path that is not a non-empty string', async () => {
    const registry = createHotpath({ name: 'bad-path' });
    await expect(registry.writeStats('' as never)).rejects.toThrow(
      new TypeError("registry.writeStats(): `path` must be a non-empty string, got ''"),
    );
  });
});
