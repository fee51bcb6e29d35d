/**
 * `pool()` and `@withResource` against a real PostgreSQL through `pg`: one connection per
 * request shared by nested calls (a transaction spans a service and its repository), a
 * connection killed server-side with `pg_terminate_backend` fails only the call that held it,
 * and connections killed while idle are dropped by `validate` before anyone gets them.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import pg from 'pg';
import {
  bindHotpath,
  createHotpath,
  pool,
  resource,
  withResource,
  type ResourcePool,
} from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';
import { describePostgres } from '../helpers/services.js';

/** A client that remembers the server closed it (pg emits `error` on an idle client then). */
interface Conn {
  client: pg.Client;
  pid: number;
  broken: boolean;
}

function connections(url: string, app: string, max: number): ResourcePool<Conn> {
  return pool<Conn>({
    create: async () => {
      const client = new pg.Client({ connectionString: url, application_name: app });
      const conn: Conn = { client, pid: 0, broken: false };
      // Without a listener, a connection the server closes while idle crashes the process.
      client.on('error', () => (conn.broken = true));
      client.on('end', () => (conn.broken = true));
      await client.connect();
      conn.pid = (
        await client.query<{ pid: number }>('select pg_backend_pid() as pid')
      ).rows[0]!.pid;
      return conn;
    },
    destroy: (conn) => conn.client.end().catch(() => undefined),
    validate: async (conn) =>
      !conn.broken &&
      conn.client.query('select 1').then(
        () => true,
        () => false,
      ),
    // 57P01: terminating connection due to administrator command.
    isFatal: (error, conn) => conn.broken || (error as { code?: string }).code === '57P01',
    max,
    acquireTimeout: '10s',
    name: 'db',
  });
}

describePostgres('pool() with PostgreSQL (pg)', (url) => {
  const admin = new pg.Client(url);
  const app = `hotpath-pool-test-${process.pid}`;
  let db: ResourcePool<Conn>;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(
      'create table if not exists hotpath_pool_accounts (id int primary key, balance int not null)',
    );
  });
  afterAll(async () => {
    await db?.shutdown({ timeout: 5_000 });
    await admin.query('drop table if exists hotpath_pool_accounts');
    await admin.end();
  });

  const backends = async (): Promise<number[]> =>
    (
      await admin.query<{ pid: number }>(
        'select pid from pg_stat_activity where application_name = $1 order by pid',
        [app],
      )
    ).rows.map((r) => r.pid);

  it('runs a service and the repository it calls on one connection, in one transaction', async () => {
    db = connections(url, app, 4);
    const registry = createHotpath({ pools: { db } });
    class AccountRepo {
      @withResource('db')
      async add(id: number, amount: number): Promise<number> {
        const { client, pid } = resource<Conn>('db');
        await client.query(
          'insert into hotpath_pool_accounts values ($1, $2) on conflict (id) do update set balance = hotpath_pool_accounts.balance + $2',
          [id, amount],
        );
        return pid;
      }
    }
    class TransferService {
      readonly repo = new AccountRepo();
      @withResource(db)
      async transfer(from: number, to: number, amount: number, fail = false): Promise<number[]> {
        const { client, pid } = resource(db);
        await client.query('begin');
        try {
          const pids = [pid, await this.repo.add(from, -amount), await this.repo.add(to, amount)];
          if (fail) throw new Error('rolled back');
          await client.query('commit');
          return pids;
        } catch (error) {
          await client.query('rollback');
          throw error;
        }
      }
    }
    const service = new TransferService();
    bindHotpath(service.repo, registry);
    const [service1, repo1, repo2] = await service.transfer(1, 2, 30);
    expect(repo1).toBe(service1);
    expect(repo2).toBe(service1);
    await expect(service.transfer(1, 2, 500, true)).rejects.toThrow('rolled back');
    const balances = await admin.query('select id, balance from hotpath_pool_accounts order by id');
    expect(balances.rows).toEqual([
      { id: 1, balance: -30 },
      { id: 2, balance: 30 },
    ]);
    expect(registry.stats().pools).toMatchObject({
      db: { leases: 2, nested: 4, created: 1, inUse: 0 },
    });
    expect(await registry.shutdown()).toEqual({ abandoned: [] });
    expect(await eventually(async () => (await backends()).length === 0, 5_000)).toBe(true);
  });

  it('a connection killed server-side fails only the call that held it; idle ones killed are dropped by validate', async () => {
    db = connections(url, app, 4);
    class Repo {
      @withResource(db)
      async count(): Promise<number> {
        const { rows } = await resource(db).client.query<{ n: string }>(
          'select count(*) as n from pg_class',
        );
        return Number(rows[0]!.n);
      }
      @withResource(db)
      async slow(started: (pid: number) => void): Promise<void> {
        const { client, pid } = resource(db);
        started(pid);
        await client.query('select pg_sleep(5)');
      }
    }
    const repo = new Repo();
    let failures = 0;
    let done = 0;
    let running = true;
    const worker = async (): Promise<void> => {
      while (running) {
        try {
          await repo.count();
          done++;
        } catch {
          failures++;
        }
      }
    };

    // Warm up, then let every connection go idle and kill them all server-side.
    await Promise.all([repo.count(), repo.count(), repo.count(), repo.count()]);
    const idle = await backends();
    expect(idle.length).toBeGreaterThanOrEqual(1);
    await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where pid = any($1)',
      [idle],
    );
    expect(
      await eventually(async () => (await backends()).every((p) => !idle.includes(p)), 5_000),
    ).toBe(true);

    // Workers run on; one call holds a connection that is killed mid-query.
    const workers = [worker(), worker(), worker()];
    let victimPid = 0;
    const victim = repo.slow((pid) => (victimPid = pid)).catch((e: unknown) => e);
    expect(await eventually(() => victimPid !== 0, 5_000)).toBe(true);
    const before = done;
    await admin.query('select pg_terminate_backend($1)', [victimPid]);
    const error = (await victim) as { code?: string };
    expect(error.code).toBe('57P01');
    expect(await eventually(() => done >= before + 50, 10_000)).toBe(true);
    running = false;
    await Promise.all(workers);

    expect(failures).toBe(0);
    const stats = db.stats();
    expect(stats.fatal).toBe(1);
    expect(stats.invalid).toBeGreaterThanOrEqual(1);
    expect(stats.size).toBeLessThanOrEqual(4);
    expect(stats.inUse).toBe(0);
    expect((await backends()).includes(victimPid)).toBe(false);
    await db.shutdown();
  }, 30_000);
});
