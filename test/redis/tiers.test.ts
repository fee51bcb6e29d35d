/**
 * Shared tiers in order: memory → Redis → PostgreSQL (`@keyv/postgres` against the real
 * server), read-through and backfill (a hit fills every tier above it), with `redisStore` as
 * the middle tier.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import Keyv from 'keyv';
import KeyvPostgres from '@keyv/postgres';
import { bindHotpath, cached, createHotpath, type Hotpath } from '../../src/index.js';
import { redisStore } from '../../src/redis/index.js';
import { describePostgres, describeRedis } from '../helpers/services.js';
import { eventually } from '../helpers/eventually.js';

const stamp = `${process.pid}_${Date.now()}`;
const run = `hotpath-test:tiers:${stamp}`;
const table = `hotpath_tiers_${stamp}`;

interface Product {
  id: string;
  listed: Date;
  sizes: Set<string>;
  stock: Map<string, bigint>;
}

class Catalogue {
  runs = 0;

  // The default 250 ms store timeout is the failure bound, which other suites test: here a
  // new PostgreSQL connection under a loaded CI machine once took longer, and the test is
  // about where values go, not about how long a store may take.
  @cached({ store: ['redis', 'postgres'], ttl: '1m', storeTimeout: '5s' })
  async product(id: string): Promise<Product> {
    this.runs++;
    return {
      id,
      listed: new Date('2026-01-02T03:04:05.678Z'),
      sizes: new Set(['S', 'M']),
      stock: new Map([['S', 12n]]),
    };
  }
}

describePostgres('memory → Redis → PostgreSQL', (postgresUrl) => {
  describeRedis('read-through and backfill', (redisUrl) => {
    const registries: Hotpath[] = [];
    let raw: Redis;
    let admin: KeyvPostgres;

    /** A fresh process-like registry: its own memory tier, its own store clients. */
    function application(): { registry: Hotpath; catalogue: Catalogue; errors: string[] } {
      const postgres = new Keyv({
        store: new KeyvPostgres({ uri: postgresUrl, table }),
        namespace: run,
      });
      const registry = createHotpath({
        stores: { redis: redisStore(redisUrl, { namespace: run }), postgres },
      });
      const errors: string[] = [];
      registry.on('error', (e) => void errors.push(e.message));
      registries.push(registry);
      return { registry, catalogue: bindHotpath(new Catalogue(), registry), errors };
    }

    const hitsByTier = (registry: Hotpath): Record<string, number> =>
      (
        registry.stats().methods['Catalogue.product']!.cached as {
          hitsByTier: Record<string, number>;
        }
      ).hitsByTier;

    /** The Redis keys of the product entries (not generation or tag keys). */
    const redisEntries = async (): Promise<string[]> =>
      (await raw.keys(`${run}::*`)).filter((k) => k.includes('Catalogue.product#'));

    const postgresRows = async (): Promise<number> => {
      const rows = (await admin.query(`SELECT count(*)::int AS n FROM ${table} WHERE key LIKE $1`, [
        `%Catalogue.product#%`,
      ])) as { n: number }[];
      return rows[0]!.n;
    };

    beforeAll(async () => {
      raw = new Redis(redisUrl);
      admin = new KeyvPostgres({ uri: postgresUrl, table });
      // Every KeyvPostgres runs CREATE TABLE IF NOT EXISTS when built. Two of them at once can
      // both miss the table and one then fails with "type ... already exists" (PostgreSQL's
      // catalog race, which @keyv/postgres reports as an error): the table exists before the
      // first application's store is built.
      await admin.query('SELECT 1');
    });

    afterAll(async () => {
      // @keyv/postgres shares one pg pool per process, and the first disconnect() ends it:
      // drop the table first, then let the registries close their stores.
      await admin.query(`DROP TABLE IF EXISTS ${table}`);
      await Promise.all(registries.map((r) => r.shutdown()));
      const keys = await raw.keys(`${run}*`);
      if (keys.length > 0) await raw.del(...keys);
      await raw.quit();
    }, 20_000);

    it('writes a computed value to every tier, reads it through from the nearest, and backfills the tiers above', async () => {
      // Process A computes: the value goes to memory, Redis and PostgreSQL.
      const a = application();
      const first = await a.catalogue.product('p1');
      expect(a.catalogue.runs).toBe(1);
      expect(
        await eventually(
          async () => (await redisEntries()).length === 1 && (await postgresRows()) === 1,
          5_000,
        ),
      ).toBe(true);

      // Process B (empty memory tier) reads it from Redis, the nearest shared tier.
      const b = application();
      const second = await b.catalogue.product('p1');
      expect(b.catalogue.runs).toBe(0);
      expect(second).toEqual(first);
      expect(second.stock.get('S')).toBe(12n);
      expect(second.listed).toBeInstanceOf(Date);
      expect(hitsByTier(b.registry)).toEqual({ memory: 0, redis: 1, postgres: 0 });
      // ...and then from its memory tier.
      await b.catalogue.product('p1');
      expect(hitsByTier(b.registry)).toEqual({ memory: 1, redis: 1, postgres: 0 });

      // Redis loses the entry (eviction, restart): process C reads PostgreSQL and backfills Redis.
      await raw.del(...(await redisEntries()));
      const c = application();
      const third = await c.catalogue.product('p1');
      expect(c.catalogue.runs).toBe(0);
      expect(third).toEqual(first);
      expect(hitsByTier(c.registry)).toEqual({ memory: 0, redis: 0, postgres: 1 });
      expect(await eventually(async () => (await redisEntries()).length === 1, 5_000)).toBe(true);
      // The backfilled Redis entry keeps (about) the remaining ttl, not a fresh minute.
      const pttl = await raw.pttl((await redisEntries())[0]!);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(60_000);

      // Process D finds it in Redis again.
      const d = application();
      expect(await d.catalogue.product('p1')).toEqual(first);
      expect(d.catalogue.runs).toBe(0);
      expect(hitsByTier(d.registry)).toEqual({ memory: 0, redis: 1, postgres: 0 });

      for (const app of [a, b, c, d]) expect(app.errors).toEqual([]);
    }, 30_000);
  });
});
