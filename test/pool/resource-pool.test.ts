/**
 * `pool()` and `@withResource` on in-process resources whose every create, lend and destroy
 * is recorded: leases, nesting, bounds, timeouts, fatal errors, validation, lifetime and
 * shutdown. The same behaviour against PostgreSQL and SQLite is in postgres.test.ts and
 * sqlite.test.ts.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  HotpathError,
  PoolTimeoutError,
  control,
  isHotpathError,
  pool,
  resource,
  withResource,
  type PoolOptions,
  type ResourcePool,
} from '../../src/index.js';
import type { HotpathEvent } from '../../src/extend.js';
import { sleepMs } from '../helpers/time.js';

/** A resource that knows whether it is open and who holds it. */
class Conn {
  static next = 1;
  readonly id = Conn.next++;
  open = true;
  holders = 0;
}

interface Tracked {
  db: ResourcePool<Conn>;
  created: Conn[];
  destroyed: Conn[];
}

const pools: ResourcePool<Conn>[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.shutdown({ timeout: 1_000 })));
});

function tracked(options: Partial<PoolOptions<Conn>> = {}): Tracked {
  const created: Conn[] = [];
  const destroyed: Conn[] = [];
  const db = pool<Conn>({
    create: async () => {
      const c = new Conn();
      created.push(c);
      return c;
    },
    destroy: (c) => {
      c.open = false;
      destroyed.push(c);
    },
    name: 'db',
    ...options,
  });
  pools.push(db);
  return { db, created, destroyed };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('pool() and @withResource', () => {
  it('lends one resource per call and gives it back for the next call to reuse', async () => {
    const { db, created } = tracked();
    class Repo {
      @withResource(db)
      async id(): Promise<number> {
        return resource(db).id;
      }
    }
    const repo = new Repo();
    const first = await repo.id();
    expect(await repo.id()).toBe(first);
    expect(created).toHaveLength(1);
    expect(db.stats()).toMatchObject({
      size: 1,
      idle: 1,
      inUse: 0,
      leases: 2,
      reused: 1,
      reuseRate: 0.5,
    });
  });

  it('nested decorated calls reuse the lease of the call they are inside of', async () => {
    const { db, created } = tracked();
    class Repo {
      @withResource(db)
      async find(): Promise<Conn> {
        return resource<Conn>('db');
      }
    }
    class Service {
      readonly repo = new Repo();
      @withResource(db)
      async handle(): Promise<[Conn, Conn, Conn]> {
        const mine = resource(db);
        // Concurrent nested calls share the lease too.
        const [a, b] = await Promise.all([this.repo.find(), this.repo.find()]);
        return [mine, a, b];
      }
    }
    const [mine, a, b] = await new Service().handle();
    expect(a).toBe(mine);
    expect(b).toBe(mine);
    expect(created).toHaveLength(1);
    expect(db.stats()).toMatchObject({ leases: 1, nested: 2 });
  });

  it('calls of two instances, not nested, take a lease each', async () => {
    const { db } = tracked();
    const gate = deferred();
    class Repo {
      @withResource(db)
      async hold(): Promise<Conn> {
        await gate.promise;
        return resource(db);
      }
    }
    const [one, two] = [new Repo(), new Repo()];
    const both = Promise.all([one.hold(), two.hold()]);
    await sleepMs(10);
    expect(db.stats().inUse).toBe(2);
    gate.resolve();
    const [a, b] = await both;
    expect(a).not.toBe(b);
    expect(db.stats()).toMatchObject({ inUse: 0, idle: 2 });
  });

  it('gives the lease back in finally when the method throws, and resource() refuses it afterwards', async () => {
    const { db } = tracked();
    let leftRunning: Promise<unknown> | undefined;
    class Repo {
      @withResource(db)
      async fail(): Promise<void> {
        leftRunning = sleepMs(5).then(() => resource(db));
        throw new Error('query failed');
      }
    }
    await expect(new Repo().fail()).rejects.toThrow('query failed');
    expect(db.stats()).toMatchObject({ inUse: 0, idle: 1, destroyed: 0 });
    const error = await leftRunning!.catch((e: unknown) => e);
    expect(isHotpathError(error, 'E_NO_LEASE')).toBe(true);
    expect((error as Error).message).toBe(
      "resource('db'): the lease of pool 'db' this code runs in has ended (the call that took it has returned); code it left running must take its own lease (@withResource('db') or pool.use())",
    );
  });

  it('resource() outside any lease throws E_NO_LEASE naming the pool', () => {
    expect(() => resource('db')).toThrow(
      "resource('db'): no lease of pool 'db' here; call it inside a method decorated with @withResource('db'), or inside pool.use()",
    );
  });

  it('destroys the resource instead of giving it back when isFatal says the error poisons it', async () => {
    const { db, destroyed } = tracked({
      isFatal: (error) => (error as { code?: string }).code === 'CONNECTION_LOST',
    });
    const events: HotpathEvent[] = [];
    const listen = (e: unknown): void => void events.push(e as HotpathEvent);
    subscribe('hotpath:event', listen);
    try {
      class Repo {
        @withResource(db)
        async run(code: string): Promise<void> {
          throw Object.assign(new Error(code), { code });
        }
      }
      const repo = new Repo();
      await expect(repo.run('SYNTAX')).rejects.toThrow('SYNTAX');
      expect(destroyed).toHaveLength(0);
      await expect(repo.run('CONNECTION_LOST')).rejects.toThrow('CONNECTION_LOST');
      expect(destroyed).toHaveLength(1);
      expect(db.stats()).toMatchObject({ fatal: 1, size: 0, inUse: 0 });
    } finally {
      unsubscribe('hotpath:event', listen);
    }
    expect(events.filter((e) => e.event === 'destroy')).toEqual([
      { decorator: 'pool', event: 'destroy', method: 'pool:db', pool: 'db', reason: 'fatal' },
    ]);
  });

  it('never lends a resource validate refuses: it is destroyed and another one lent', async () => {
    const { db, destroyed } = tracked({ validate: async (c) => c.open });
    const first = await db.use(async (c) => c);
    first.open = false; // e.g. the server closed it while idle
    const second = await db.use(async (c) => c);
    expect(second).not.toBe(first);
    expect(destroyed).toEqual([first]);
    expect(db.stats()).toMatchObject({ invalid: 1, created: 2, destroyed: 1 });
  });

  it('destroys a resource older than maxLifetime instead of lending it again', async () => {
    const { db, destroyed } = tracked({ maxLifetime: 20 });
    const first = await db.use(async (c) => c);
    await sleepMs(30);
    const second = await db.use(async (c) => c);
    expect(second).not.toBe(first);
    expect(destroyed).toContain(first);
    expect(db.stats().expired).toBe(1);
  });

  it('rejects an acquire that waits past acquireTimeout with PoolTimeoutError naming the pool and the wait', async () => {
    const { db } = tracked({ max: 1, acquireTimeout: 40 });
    const gate = deferred();
    class Repo {
      @withResource(db)
      async hold(): Promise<void> {
        await gate.promise;
      }
    }
    const repo = new Repo();
    const holding = repo.hold();
    const error = (await repo.hold().catch((e: unknown) => e)) as PoolTimeoutError;
    gate.resolve();
    await holding;
    expect(error).toBeInstanceOf(PoolTimeoutError);
    expect(error).toBeInstanceOf(HotpathError);
    expect(error.code).toBe('E_POOL_TIMEOUT');
    expect(error.pool).toBe('db');
    expect(error.waitedMs).toBeGreaterThanOrEqual(39);
    expect(error.message).toMatch(
      /^Repo\.hold: pool 'db' lent no resource within 40 ms \(acquireTimeout; waited \d+ ms\): 1 of 1 lent, 0 other callers waiting$/,
    );
    expect(db.stats()).toMatchObject({ timeouts: 1, inUse: 0, waiting: 0 });
  });

  it('names the create failure in the PoolTimeoutError when creating kept failing', async () => {
    const db = pool<Conn>({
      create: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      },
      destroy: () => {},
      name: 'down',
      acquireTimeout: 50,
    });
    pools.push(db);
    const error = (await db.acquire().catch((e: unknown) => e)) as PoolTimeoutError;
    expect(error.message).toMatch(
      /^pool 'down' lent no resource within 50 ms \(acquireTimeout; waited \d+ ms\): 0 of 10 lent, 0 other callers waiting; creating one failed: connect ECONNREFUSED 127\.0\.0\.1:1$/,
    );
    expect(db.stats().createFailed).toBeGreaterThanOrEqual(1);
  });

  it('refuses at once with E_POOL_FULL when maxWaiting callers already wait', async () => {
    const { db } = tracked({ max: 1, maxWaiting: 1 });
    const gate = deferred();
    const holder = db.use(() => gate.promise);
    await sleepMs(5);
    const waiter = db.use(async () => 'served');
    await sleepMs(5);
    const refused = await db.use(async () => 'never').catch((e: unknown) => e);
    expect(isHotpathError(refused, 'E_POOL_FULL')).toBe(true);
    expect((refused as Error).message).toBe(
      "pool 'db' has all 1 resources lent and 1 callers waiting (maxWaiting 1): refused at once",
    );
    gate.resolve();
    await holder;
    expect(await waiter).toBe('served');
    expect(db.stats()).toMatchObject({ refused: 1, leases: 2 });
  });

  it('gives up an acquire when its signal aborts', async () => {
    const { db } = tracked({ max: 1 });
    const held = await db.acquire();
    const controller = new AbortController();
    const waiting = db.acquire({ signal: controller.signal }).catch((e: unknown) => e);
    await sleepMs(5);
    controller.abort(new Error('client went away'));
    expect(await waiting).toEqual(new Error('client went away'));
    db.release(held);
    expect(db.stats()).toMatchObject({ waiting: 0, inUse: 0 });
  });

  it('release() of a resource the pool has not lent is a TypeError', async () => {
    const { db } = tracked();
    const c = await db.acquire();
    db.release(c);
    expect(() => db.release(c)).toThrow(
      new TypeError(
        `pool 'db': release() got Conn { id: ${c.id}, open: true, holders: 0 }, which this pool has not lent (given back twice?)`,
      ),
    );
  });

  it('shutdown waits for the leases out, destroys every resource, and refuses new leases with E_SHUTDOWN', async () => {
    const { db, created, destroyed } = tracked();
    const gate = deferred();
    let finished = false;
    const long = db.use(async () => {
      await gate.promise;
      finished = true;
    });
    await db.use(async () => undefined);
    await sleepMs(5);
    const shutdown = db.shutdown({ timeout: 5_000 });
    const refused = await db.use(async () => undefined).catch((e: unknown) => e);
    expect(isHotpathError(refused, 'E_SHUTDOWN')).toBe(true);
    expect((refused as Error).message).toBe(
      "pool 'db' has been shut down and lends no more resources",
    );
    gate.resolve();
    expect(await shutdown).toEqual({ abandoned: 0 });
    await long;
    expect(finished).toBe(true);
    expect(destroyed).toHaveLength(created.length);
    expect(created.every((c) => !c.open)).toBe(true);
  });

  it('shutdown({ timeout }) destroys the resources of leases still out at the timeout', async () => {
    const { db, destroyed } = tracked();
    const never = db.use(() => new Promise<void>(() => {}));
    await sleepMs(5);
    expect(await db.shutdown({ timeout: 30 })).toEqual({ abandoned: 1 });
    expect(destroyed).toHaveLength(1);
    expect(db.stats()).toMatchObject({ size: 0, inUse: 0 });
    void never;
  });

  it('rejects callers waiting for a resource with E_SHUTDOWN when shutdown starts', async () => {
    const { db } = tracked({ max: 1 });
    const gate = deferred();
    const holder = db.use(() => gate.promise);
    await sleepMs(5);
    const waiter = db.use(async () => 'never').catch((e: unknown) => e);
    await sleepMs(5);
    const shutdown = db.shutdown();
    expect(isHotpathError(await waiter, 'E_SHUTDOWN')).toBe(true);
    gate.resolve();
    await holder;
    expect(await shutdown).toEqual({ abandoned: 0 });
  });

  it('reports its figures through control().stats()', async () => {
    const { db } = tracked();
    class Repo {
      @withResource(db)
      async run(): Promise<void> {}
    }
    const repo = new Repo();
    await repo.run();
    expect(control(repo, 'run').stats()).toEqual({
      withResource: { pool: 'db', calls: 1, leased: 1, nested: 0 },
    });
  });

  it('never has more than max resources open, whatever tree of nested calls and failures runs', async () => {
    // Random call trees: each node is a decorated call that may nest children (sequentially or
    // concurrently), wait a little, and fail (fatal or not). Checked after every create.
    type Node = {
      fail: 'no' | 'plain' | 'fatal';
      wait: number;
      parallel: boolean;
      children: Node[];
    };
    const tree = (depth: number): fc.Arbitrary<Node> =>
      fc.record({
        fail: fc.constantFrom<Node['fail']>('no', 'no', 'plain', 'fatal'),
        wait: fc.integer({ min: 0, max: 3 }),
        parallel: fc.boolean(),
        children: depth === 0 ? fc.constant([]) : fc.array(tree(depth - 1), { maxLength: 2 }),
      });
    const node = tree(3);
    await fc.assert(
      fc.asyncProperty(
        fc.array(node, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 3 }),
        async (roots, max) => {
          let open = 0;
          let peak = 0;
          let leaked = 0;
          const db = pool<Conn>({
            create: async () => {
              open++;
              peak = Math.max(peak, open);
              return new Conn();
            },
            destroy: () => void open--,
            isFatal: (e) => (e as Error).message === 'fatal',
            max,
            acquireTimeout: 30_000,
          });
          class Tree {
            @withResource(db)
            async run(n: Node): Promise<void> {
              const mine = resource(db);
              mine.holders++;
              try {
                if (n.wait > 0) await sleepMs(n.wait);
                const kids = n.children.map((c) => () => this.run(c).catch(() => undefined));
                if (n.parallel) await Promise.all(kids.map((k) => k()));
                else for (const k of kids) await k();
                // Nested calls ran on this very resource.
                if (resource(db) !== mine) leaked++;
                if (n.fail !== 'no') throw new Error(n.fail);
              } finally {
                mine.holders--;
              }
            }
          }
          const tree = new Tree();
          await Promise.all(roots.map((r) => tree.run(r).catch(() => undefined)));
          const stats = db.stats();
          await db.shutdown({ timeout: 1_000 });
          expect(peak).toBeLessThanOrEqual(max);
          expect(leaked).toBe(0);
          expect(stats.inUse).toBe(0);
          expect(stats.leases).toBe(roots.length);
          expect(open).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
