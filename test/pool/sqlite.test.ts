/**
 * `pool()`, `@withResource` and `statementCache()` with SQLite through better-sqlite3 in WAL
 * mode on a temporary file (what the desktop app's connection pool did): readers on other
 * connections go on while one connection holds a write transaction, and each connection
 * prepares a statement once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { pool, resource, statementCache, withResource } from '../../src/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sqlitePool(file: string, max: number) {
  return pool<Database.Database>({
    create: () => {
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      return db;
    },
    destroy: (db) => db.close(),
    validate: (db) => db.open,
    max,
  });
}

describe('pool() with SQLite (better-sqlite3, WAL)', () => {
  it('lets readers on other connections read while one connection holds a write transaction', async () => {
    const file = path.join(dir, 'wal.db');
    const sqlite = sqlitePool(file, 3);
    await sqlite.use((db) => {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.exec('create table notes (id integer primary key, body text not null)');
      db.prepare('insert into notes (body) values (?)').run('committed');
    });
    let release!: () => void;
    const writing = new Promise<void>((r) => (release = r));
    class Notes {
      @withResource(sqlite)
      async writeSlowly(): Promise<void> {
        const db = resource(sqlite);
        db.exec('begin immediate');
        db.prepare('insert into notes (body) values (?)').run('uncommitted');
        await writing;
        db.exec('commit');
      }
      @withResource(sqlite)
      async bodies(): Promise<string[]> {
        return resource(sqlite)
          .prepare('select body from notes order by id')
          .all()
          .map((r) => (r as { body: string }).body);
      }
    }
    const notes = new Notes();
    const writer = notes.writeSlowly();
    await new Promise((r) => setImmediate(r));
    // Two more connections read the last committed state while the write is open.
    expect(await Promise.all([notes.bodies(), notes.bodies()])).toEqual([
      ['committed'],
      ['committed'],
    ]);
    expect(sqlite.stats()).toMatchObject({ size: 3, inUse: 1 });
    release();
    await writer;
    expect(await notes.bodies()).toEqual(['committed', 'uncommitted']);
    await sqlite.shutdown();
  });

  it('prepares each statement once per connection with statementCache(), bounded', async () => {
    const sqlite = sqlitePool(path.join(dir, 'statements.db'), 1);
    // statementCache() keys its caches by connection: pass the connection itself.
    class CachedRepo {
      @withResource(sqlite)
      async setup(): Promise<void> {
        resource(sqlite).exec('create table kv (k text primary key, v text)');
      }
      @withResource(sqlite)
      async put(k: string, v: string): Promise<void> {
        statementCache<Database.Statement>(resource(sqlite), { max: 2 })
          .get('insert or replace into kv values (?, ?)')
          .run(k, v);
      }
      @withResource(sqlite)
      async get(k: string): Promise<string | undefined> {
        const row = statementCache<Database.Statement>(resource(sqlite))
          .get('select v from kv where k = ?')
          .get(k);
        return (row as { v: string } | undefined)?.v;
      }
      @withResource(sqlite)
      async count(): Promise<number> {
        return (
          statementCache<Database.Statement>(resource(sqlite))
            .get('select count(*) as n from kv')
            .get() as {
            n: number;
          }
        ).n;
      }
    }
    const repo = new CachedRepo();
    await repo.setup();
    for (let i = 0; i < 20; i++) await repo.put(`k${i}`, `v${i}`);
    for (let i = 0; i < 20; i++) expect(await repo.get(`k${i}`)).toBe(`v${i}`);
    const cache = await sqlite.use((db) => statementCache<Database.Statement>(db).stats());
    expect(cache).toEqual({ size: 2, max: 2, hits: 38, misses: 2, evicted: 0 });
    expect(await repo.count()).toBe(20);
    // A third statement pushes out the least recently used one (the insert).
    expect(await sqlite.use((db) => statementCache<Database.Statement>(db).stats())).toEqual({
      size: 2,
      max: 2,
      hits: 38,
      misses: 3,
      evicted: 1,
    });
    await sqlite.shutdown();
  });
});
