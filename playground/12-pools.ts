/**
 * Pools, on SQLite (better-sqlite3 in WAL mode, a temporary file):
 * 1. a connection pool in a registry; an order service and the repositories it calls share one
 *    connection per request (one transaction spans them), while concurrent requests each get
 *    their own (WAL lets readers go on during a write); statements are prepared once per
 *    connection (statementCache);
 * 2. an object pool of scratch buffers for a CPU-bound helper, reused instead of allocated;
 * 3. `report()` with both pools, then a shutdown that closes every connection.
 * Run: npx tsx playground/12-pools.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  bindHotpath,
  createHotpath,
  objectPool,
  pool,
  resource,
  statementCache,
  withResource,
} from '../src/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-playground-'));
const file = path.join(dir, 'shop.db');

/** Each connection gets a number, so the output shows which one served what. */
const connectionIds = new WeakMap<Database.Database, number>();
let opened = 0;

const sqlite = pool<Database.Database>({
  create: () => {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    connectionIds.set(db, ++opened);
    return db;
  },
  destroy: (db) => db.close(),
  validate: (db) => db.open,
  max: 3,
});
const buffers = objectPool({
  create: () => new Float64Array(1024),
  reset: (b) => b.fill(0),
  maxIdle: 4,
});
const registry = createHotpath({ name: 'shop', pools: { sqlite, buffers } });

const sql = (text: string) =>
  statementCache<Database.Statement>(resource<Database.Database>('sqlite')).get(text);
const connection = (): number => connectionIds.get(resource<Database.Database>('sqlite'))!;

class StockRepo {
  @withResource('sqlite')
  async take(sku: string, quantity: number): Promise<number> {
    const { changes } = sql(
      'update stock set quantity = quantity - ? where sku = ? and quantity >= ?',
    ).run(quantity, sku, quantity);
    if (changes === 0) throw new Error(`not enough ${sku}`);
    return connection();
  }
}

class OrderRepo {
  @withResource('sqlite')
  async insert(customer: string, sku: string, quantity: number): Promise<number> {
    sql('insert into orders (customer, sku, quantity) values (?, ?, ?)').run(
      customer,
      sku,
      quantity,
    );
    return connection();
  }
}

class HistoryRepo {
  @withResource('sqlite')
  async count(customer: string): Promise<string> {
    const { n } = sql('select count(*) as n from orders where customer = ?').get(customer) as {
      n: number;
    };
    return `${customer} has ${n} earlier order(s), read on connection ${connection()}`;
  }
}

class OrderService {
  constructor(
    private readonly stock: StockRepo,
    private readonly orders: OrderRepo,
  ) {}

  /** One request: one connection for the service and both repositories, one transaction. */
  @withResource('sqlite')
  async place(customer: string, sku: string, quantity: number): Promise<string> {
    const db = resource<Database.Database>('sqlite');
    db.exec('begin immediate');
    try {
      const used = [
        connection(),
        await this.stock.take(sku, quantity),
        await this.orders.insert(customer, sku, quantity),
      ];
      db.exec('commit');
      return `${customer}: ${quantity} x ${sku} placed on connection ${used.join(' = ')}`;
    } catch (error) {
      db.exec('rollback');
      return `${customer}: ${(error as Error).message}, rolled back on connection ${connection()}`;
    }
  }
}

const bound = <T extends object>(instance: T): T => bindHotpath(instance, registry);
const service = bound(new OrderService(bound(new StockRepo()), bound(new OrderRepo())));

await sqlite.use((db) =>
  db.exec(`create table stock (sku text primary key, quantity integer not null);
           create table orders (id integer primary key, customer text, sku text, quantity integer);
           insert into stock values ('lamp', 5), ('desk', 1);`),
);

console.log('1. an order and two reads at once, each request on its own connection:');
const history = bound(new HistoryRepo());
for (const line of await Promise.all([
  service.place('ada', 'lamp', 2),
  history.count('ada'),
  history.count('grace'),
]))
  console.log(`   ${line}`);
console.log('   then three orders, one after another (SQLite has one writer at a time):');
for (const [customer, sku, quantity] of [
  ['grace', 'desk', 1],
  ['linus', 'desk', 1],
  ['barbara', 'lamp', 2],
] as const)
  console.log(`   ${await service.place(customer, sku, quantity)}`);

console.log('\n2. an object pool of 8 KB scratch buffers for a moving average:');
function smooth(values: readonly number[], window: number): number[] {
  return buffers.use((scratch) => {
    let sum = 0;
    const out: number[] = [];
    values.forEach((v, i) => {
      scratch[i % window] = v;
      sum += v - (i >= window ? values[i - window]! : 0);
      out.push(Math.round((sum / Math.min(i + 1, window)) * 10) / 10);
    });
    return out;
  });
}
for (let i = 0; i < 1000; i++) smooth([1, 2, 3, 4, 5, 6], 3);
console.log(`   smooth([1..6], 3) = ${JSON.stringify(smooth([1, 2, 3, 4, 5, 6], 3))}`);
const figures = buffers.stats();
console.log(
  `   1 001 calls: ${figures.created} buffer created, reuse rate ${figures.reuseRate!.toFixed(3)}`,
);

console.log('\n3. the registry report:\n');
console.log(registry.report());
const { abandoned } = await registry.shutdown();
console.log(`\nshutdown: ${abandoned.length} abandoned; connections open: ${sqlite.stats().size}`);
rmSync(dir, { recursive: true, force: true });
