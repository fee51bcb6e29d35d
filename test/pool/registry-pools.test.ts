/**
 * Pools in a registry (`createHotpath({ pools })`): checked with the rest of its
 * configuration, named after their keys, looked up by the registry of each call's instance,
 * reported in `stats()` and `report()`, and shut down with the registry, whose process then
 * exits.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  bindHotpath,
  createHotpath,
  isHotpathError,
  objectPool,
  pool,
  resource,
  withResource,
  type Hotpath,
} from '../../src/index.js';
import { runFixture } from '../helpers/child-fixture.js';
import { sleepMs } from '../helpers/time.js';

class Conn {
  static next = 1;
  readonly id = Conn.next++;
}

const conns = (options: { max?: number; name?: string } = {}) =>
  pool<Conn>({ create: () => new Conn(), destroy: () => {}, ...options });

const registries: Hotpath[] = [];
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.shutdown({ timeout: 1_000 })));
});
function registry(config: Parameters<typeof createHotpath>[0]): Hotpath {
  const r = createHotpath(config);
  registries.push(r);
  return r;
}

class Repo {
  @withResource('db')
  async id(): Promise<number> {
    return resource<Conn>('db').id;
  }
}

describe('pools in a registry', () => {
  it('two instances bound to two registries lease from each registry its own pool', async () => {
    const [a, b] = [conns(), conns()];
    const one = bindHotpath(new Repo(), registry({ pools: { db: a } }));
    const two = bindHotpath(new Repo(), registry({ pools: { db: b } }));
    const [first, second] = [await one.id(), await two.id()];
    expect(first).not.toBe(second);
    expect(await one.id()).toBe(first);
    expect([a.stats().leases, b.stats().leases]).toEqual([2, 1]);
    expect([a.name, b.name]).toEqual(['db', 'db']);
  });

  it('rejects with E_CONFIG when the registry has no pool of that name', async () => {
    const repo = bindHotpath(new Repo(), registry({ pools: { cache: conns() } }));
    const error = await repo.id().catch((e: unknown) => e);
    expect(isHotpathError(error, 'E_CONFIG')).toBe(true);
    expect((error as Error).message).toBe(
      "@withResource on Repo.id: pool 'db' is not in registry 'hotpath' (known pools: 'cache'); add it with createHotpath({ pools: { db: pool({ ... }) } })",
    );
  });

  it('shows every pool in stats() and as a table in report()', async () => {
    const scratch = objectPool({ create: () => [] as number[] });
    const r = registry({ name: 'app', pools: { db: conns(), scratch } });
    await bindHotpath(new Repo(), r).id();
    scratch.release(scratch.acquire());
    expect(r.stats().pools).toEqual({
      db: expect.objectContaining({ size: 1, leases: 1, reuseRate: 0 }),
      scratch: {
        maxIdle: 64,
        idle: 1,
        inUse: 0,
        created: 1,
        acquired: 1,
        reused: 0,
        reuseRate: 0,
        dropped: 0,
      },
    });
    const report = r.report();
    expect(report).toContain('\npools\npool     max  size  idle  inUse  waiting  created');
    expect(report).toMatch(/\ndb +10 +1 +1 +0 +0 +1 +0 +1 +0 +0 /);
    expect(report).toMatch(/\nscratch +- +- +1 +0 +- +1 +- +- +0 +0 /);
  });

  it.each([
    [
      { pools: [] },
      'createHotpath: `pools` must be an object of named pools ({ db: pool({ create, destroy }) }), got []',
    ],
    [
      { pools: { db: { create: () => ({}) } } },
      'createHotpath: `pools.db` must be a pool made by pool() or objectPool(), got { create: [Function: create] }',
    ],
    [{ pool: {} }, 'createHotpath: unknown option `pool` (did you mean `pools`?)'],
  ])('checks pools with the rest of the configuration: %p', (config, message) => {
    expect(() => createHotpath(config as never)).toThrow(new TypeError(message));
  });

  it('refuses a pool named otherwise than its key, and a pool another registry holds', () => {
    expect(() => createHotpath({ pools: { db: conns({ name: 'main' }) } })).toThrow(
      new TypeError(
        "createHotpath: `pools.db` is a pool named 'main': resource('db') would not find it; name it 'db' or leave its name out",
      ),
    );
    const shared = conns();
    registry({ pools: { db: shared } });
    expect(() => createHotpath({ pools: { other: shared } })).toThrow(
      new TypeError(
        "createHotpath: `pools.other` already belongs to a registry (as 'db'): a pool is shut down with the registry that holds it, so it can belong to one only",
      ),
    );
  });

  it('shutdown() waits for leases out after the flush, and gives up those still out at its timeout', async () => {
    const db = conns();
    const r = createHotpath({ pools: { db } });
    class Slow {
      @withResource('db')
      async hold(ms: number): Promise<string> {
        await sleepMs(ms);
        return 'finished';
      }
    }
    const slow = bindHotpath(new Slow(), r);
    const finishing = slow.hold(30);
    const stuck = slow.hold(60_000).catch((e: unknown) => e);
    await sleepMs(5);
    expect(await r.shutdown({ timeout: 300 })).toEqual({
      abandoned: [
        {
          decorator: 'pool',
          method: 'pool:db',
          pending: 1,
          detail: "1 lease of pool 'db' still out: its resource was destroyed",
        },
      ],
    });
    expect(await finishing).toBe('finished');
    expect(db.stats()).toMatchObject({ size: 0, inUse: 0, destroyed: 2 });
    expect(db.closed).toBe(true);
    void stuck;
  });

  it('lets the process exit once shutdown() resolved, with no unhandled rejection', async () => {
    const run = await runFixture(path.join(__dirname, 'fixtures', 'shutdown-exit.ts'), [], {
      node: ['--unhandled-rejections=strict'],
      timeoutMs: 30_000,
    });
    expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({
      code: 0,
      signal: null,
      stderr: '',
    });
    const lines = run.stdout.trim().split('\n');
    expect(lines).toEqual([
      'in flight: done',
      'abandoned: 0',
      expect.stringMatching(
        /^pools: \{"db":\{"max":2,"size":0,"idle":0,"inUse":0,"waiting":0,"created":1,"destroyed":1,"leases":2,"reused":1,/,
      ),
      'error event: E_SHUTDOWN',
      'exited after less than 10 s',
    ]);
  }, 40_000);
});
