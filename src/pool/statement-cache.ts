/**
 * A per-connection cache of prepared statements, keyed by SQL, bounded (least recently used
 * first out). Preparing is what a pooled SQLite connection saves when it is reused: with
 * better-sqlite3, `db.prepare(sql)` parses and plans the statement on every call, and a cached
 * statement runs at once.
 *
 * Structural: any connection with `prepare(sql)` fits (better-sqlite3's `Database`, node:sqlite's
 * `DatabaseSync`); hotpath depends on no driver.
 */
import {
  integerOption,
  checkOptionsObject,
  optionError,
  type OptionSite,
} from '../core/options.js';

/** A connection that prepares statements (better-sqlite3's `Database` fits). */
export interface Preparer<S> {
  prepare(sql: string): S;
}

/** Options of {@link statementCache}. */
export interface StatementCacheOptions {
  /**
   * Statements kept at most per connection; the least recently used one goes first.
   *
   * @default 100
   */
  max?: number;
}

/** A statement cache's figures. */
export interface StatementCacheStats {
  /** Statements kept now. */
  size: number;
  /** Statements kept at most. */
  max: number;
  /** `get()` calls answered from the cache. */
  hits: number;
  /** `get()` calls that prepared the statement. */
  misses: number;
  /** Statements dropped to stay within `max`. */
  evicted: number;
}

/** The prepared statements of one connection, made with {@link statementCache}. */
export class StatementCache<S> {
  readonly #db: Preparer<S>;
  readonly #max: number;
  /** Insertion order is recency: a hit moves its entry to the end. */
  readonly #statements = new Map<string, S>();
  #hits = 0;
  #misses = 0;
  #evicted = 0;

  constructor(db: Preparer<S>, options?: StatementCacheOptions) {
    const site: OptionSite = { where: 'statementCache' };
    if (
      db === null ||
      typeof db !== 'object' ||
      typeof (db as { prepare?: unknown }).prepare !== 'function'
    ) {
      throw optionError(
        site,
        'db',
        'a connection with prepare(sql) (a better-sqlite3 Database)',
        db,
      );
    }
    checkOptionsObject(site, options, ['max']);
    this.#db = db;
    const max = integerOption(site, 'max', options?.max, 100, 1);
    if (max === Number.POSITIVE_INFINITY)
      throw optionError(site, 'max', 'a finite positive integer', max);
    this.#max = max;
  }

  /** The statement for `sql`, prepared on its first use on this connection. A failed prepare is not cached. */
  get(sql: string): S {
    const statements = this.#statements;
    const cached = statements.get(sql);
    if (cached !== undefined) {
      this.#hits++;
      statements.delete(sql);
      statements.set(sql, cached);
      return cached;
    }
    this.#misses++;
    const statement = this.#db.prepare(sql);
    statements.set(sql, statement);
    if (statements.size > this.#max) {
      statements.delete(statements.keys().next().value!);
      this.#evicted++;
    }
    return statement;
  }

  /** Forgets every statement (after a schema change: SQLite re-prepares stale ones itself, but drop them to free memory). */
  clear(): void {
    this.#statements.clear();
  }

  /** The cache's figures now. */
  stats(): StatementCacheStats {
    return {
      size: this.#statements.size,
      max: this.#max,
      hits: this.#hits,
      misses: this.#misses,
      evicted: this.#evicted,
    };
  }
}

const caches = new WeakMap<object, StatementCache<unknown>>();

/**
 * The statement cache of connection `db`, made on the first call for that connection (with
 * `options`; later calls get the same cache and their options are not used). It lives as long
 * as the connection object does: when the pool destroys the connection, its statements go too.
 *
 * @example
 * class NoteRepo {
 *   @withResource('sqlite')
 *   async find(id: number): Promise<Note | undefined> {
 *     return statementCache(resource<Database>('sqlite')).get('select * from notes where id = ?').get(id);
 *   }
 * }
 */
export function statementCache<S>(
  db: Preparer<S>,
  options?: StatementCacheOptions,
): StatementCache<S> {
  let cache = caches.get(db) as StatementCache<S> | undefined;
  if (cache === undefined) {
    cache = new StatementCache(db, options);
    caches.set(db, cache);
  }
  return cache;
}
