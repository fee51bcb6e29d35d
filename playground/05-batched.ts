/**
 * Two uses of @batched on an in-memory "database" that counts its queries:
 * 1. an N+1 query turned into one: a GraphQL-style resolver loads each post's author with
 *    `users.byIds([post.authorId])`, and every call of the tick becomes one `WHERE id IN (...)`;
 * 2. a bulk audit-log writer: fire-and-forget `audit.record([entry])` calls are collected for
 *    up to 50 ms (or 100 entries) and written with one multi-row INSERT; `shutdown()` writes
 *    what is still queued.
 * Run: npx tsx playground/05-batched.ts
 */
import { batched, bindHotpath, control, createHotpath } from '../src/index.js';

const t0 = Date.now();
const at = (): string => `${String(Date.now() - t0).padStart(4)} ms`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface User {
  id: number;
  name: string;
}
interface Post {
  id: number;
  title: string;
  authorId: number;
}

/** A pretend database: every query costs a round trip of 5 ms. */
class Database {
  queries = 0;
  readonly users = new Map<number, User>(
    [1, 2, 3, 4].map((id) => [id, { id, name: ['Ada', 'Grace', 'Linus', 'Barbara'][id - 1]! }]),
  );
  readonly posts: Post[] = Array.from({ length: 12 }, (_, i) => ({
    id: i + 1,
    title: `Post #${i + 1}`,
    authorId: (i % 5) + 1, // author 5 does not exist
  }));
  readonly auditRows: string[] = [];

  async query<T>(sql: string, run: () => T): Promise<T> {
    this.queries++;
    console.log(`${at()}  SQL ${sql}`);
    await sleep(5);
    return run();
  }
}

class NotFoundError extends Error {}

class UserRepository {
  constructor(readonly db: Database) {}

  /** One query per tick, whatever the number of callers; a missing id rejects only its caller. */
  @batched({ maxBatchSize: 500 })
  async byIds(ids: number[]): Promise<(User | Error)[]> {
    const rows = await this.db.query(`SELECT * FROM users WHERE id IN (${ids.join(', ')})`, () =>
      ids.map((id) => this.db.users.get(id)),
    );
    return rows.map((row, i) => row ?? new NotFoundError(`no user ${ids[i]}`));
  }
}

class AuditLog {
  constructor(readonly db: Database) {}

  /** Write-behind: resolves (to nothing) once the batch holding the entry is written. */
  @batched({ maxWait: '50ms', maxBatchSize: 100, dedupe: false })
  async record(entries: string[]): Promise<void> {
    const values = `(?), (?), ... ${entries.length} rows`;
    await this.db.query(`INSERT INTO audit (entry) VALUES ${values}`, () =>
      this.db.auditRows.push(...entries),
    );
  }
}

const registry = createHotpath({ name: 'playground-batched' });
const db = new Database();
const users = bindHotpath(new UserRepository(db), registry);
const audit = bindHotpath(new AuditLog(db), registry);

// 1. The N+1 query: one author lookup per post, written the naive way.
console.log('-- rendering 12 posts with their authors (naive resolver, one lookup per post)');
const rendered = await Promise.all(
  db.posts.map(async (post) => {
    try {
      const [author] = await users.byIds([post.authorId]);
      return `${post.title} by ${author!.name}`;
    } catch (error) {
      return `${post.title} by (unknown: ${(error as Error).message})`;
    }
  }),
);
for (const line of rendered.slice(0, 6)) console.log(`         ${line}`);
console.log(
  `         ... ${rendered.length} posts rendered with ${db.queries} query instead of ${rendered.length}`,
);

// 2. The audit log: fire-and-forget records, written in bulk.
console.log('\n-- recording 250 audit entries, 40 every 20 ms (fire and forget)');
const failures: unknown[] = [];
for (let i = 1; i <= 250; i++) {
  // Not awaited: a failed write must still be handled somewhere.
  audit.record([`user ${(i % 4) + 1} did action ${i}`]).catch((error) => failures.push(error));
  if (i % 40 === 0) await sleep(20);
}
console.log(`${at()}  pending writes: ${control(audit, 'record').pending()}`);
audit.record(['last entry before shutdown']).catch((error) => failures.push(error));

await registry.shutdown(); // writes what is still queued, then waits for it
console.log(
  `${at()}  after shutdown: ${db.auditRows.length} audit rows written, ${failures.length} failures`,
);

console.log('\n-- registry.report()');
console.log(registry.report());
