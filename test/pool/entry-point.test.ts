/**
 * `import 'hotpath'` does not load tarn, and neither does defining a pool: tarn is loaded when
 * a pool lends its first resource. Checked in a fresh Node process.
 */
import { describe, expect, it } from '@jest/globals';
import { modulesLoadedBy } from '../helpers/modules-loaded.js';

const loadsTarn = (modules: string[]): boolean =>
  modules.some((m) => m.includes('/node_modules/tarn/'));

describe('tarn is loaded on first use', () => {
  it('hotpath and pool() load no tarn', () => {
    const modules = modulesLoadedBy(`const { pool } = await import('./src/index.ts');
pool({ create: () => ({}), destroy: () => {} });`);
    expect(modules.some((m) => m.includes('/src/pool/resource-pool.ts'))).toBe(true);
    expect(loadsTarn(modules)).toBe(false);
  }, 30_000);

  it('the first lease loads tarn', () => {
    const modules = modulesLoadedBy(`const { pool } = await import('./src/index.ts');
const db = pool({ create: () => ({}), destroy: () => {} });
if ((await db.use(async () => 42)) !== 42) throw new Error('wrong result');
await db.shutdown();`);
    expect(loadsTarn(modules)).toBe(true);
  }, 30_000);
});
