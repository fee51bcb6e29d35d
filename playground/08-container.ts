/**
 * A small app wired with an inversify container: a repository, a mailer and a service with
 * @cached, @batched and @rateLimit; `hotpathModule()` gives each container its own registry
 * (stores, limiters, stats, shutdown). The cache store is Redis when REDIS_URL is set, an
 * in-memory keyv otherwise.
 *
 * tsx compiles this file with TC39 decorators (no constructor injection), so services are
 * built in `toDynamicValue` factories and bound with `hotpathActivation`.
 *
 * Run: npx tsx playground/08-container.ts   (REDIS_URL=redis://127.0.0.1:6379 for Redis)
 */
import { Container } from 'inversify';
import Keyv from 'keyv';
import { batched, cached, rateLimit, type CacheStore, type Hotpath } from '../src/index.js';
import { HOTPATH_REGISTRY, hotpathActivation, hotpathModule } from '../src/inversify/index.js';

interface User {
  id: string;
  name: string;
  email: string;
}

const started = performance.now();
const at = (): string => `${String(Math.round(performance.now() - started)).padStart(4)} ms`;

/** The "database": every query costs a few milliseconds and is counted. */
class UserRepository {
  queries = 0;
  readonly logins: string[][] = [];
  private readonly rows = new Map<string, User>(
    ['ada', 'grace', 'linus', 'barbara', 'ken'].map((id) => [
      id,
      { id, name: id[0]!.toUpperCase() + id.slice(1), email: `${id}@example.org` },
    ]),
  );

  async findMany(ids: readonly string[]): Promise<(User | undefined)[]> {
    this.queries++;
    console.log(`  [db] SELECT ... WHERE id IN (${ids.join(', ')})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return ids.map((id) => this.rows.get(id));
  }

  async saveLogins(ids: readonly string[]): Promise<void> {
    console.log(`  [db] INSERT INTO logins ${ids.length} rows (${ids.join(', ')})`);
    this.logins.push([...ids]);
  }
}

/** An external mail API with a quota: the container's 'mail' limiter protects it. */
class Mailer {
  async send(to: string, subject: string): Promise<void> {
    console.log(`  [mail ${at()}] ${subject} -> ${to}`);
  }
}

class UserService {
  constructor(
    private readonly repo: UserRepository,
    private readonly mailer: Mailer,
  ) {}

  /** Cached in this container's 'users' store; misses go through the batched loader. */
  @cached({ ttl: '30s', store: 'users' })
  async getUser(id: string): Promise<User | undefined> {
    const [user] = await this.loadUsers([id]);
    return user;
  }

  /** Lookups made in the same tick become one query. */
  @batched({ maxBatchSize: 100 })
  async loadUsers(ids: string[]): Promise<(User | undefined)[]> {
    return this.repo.findMany(ids);
  }

  /** Write-behind: logins are saved in bulk every 10 s, or when the container shuts down. */
  @batched({ maxWait: '10s' })
  async recordLogins(ids: string[]): Promise<void> {
    await this.repo.saveLogins(ids);
  }

  /** At most the 'mail' limiter's quota; extra calls wait their turn. */
  @rateLimit({ limiter: 'mail' })
  async sendDigest(user: User): Promise<void> {
    await this.mailer.send(user.email, `Weekly digest for ${user.name}`);
  }
}

/** The Redis store when REDIS_URL is set (a namespace of its own per run), else memory. */
async function makeStore(): Promise<{ store: CacheStore; kind: string }> {
  const url = process.env.REDIS_URL;
  if (!url) {
    return {
      store: new Keyv(),
      kind: 'in-memory keyv (set REDIS_URL=redis://127.0.0.1:6379 to run this on Redis)',
    };
  }
  const { redisStore } = await import('../src/redis/index.js');
  const namespace = `hotpath-playground-08-${process.pid}-${Date.now()}`;
  return { store: redisStore(url, { namespace }), kind: `Redis ${url} (namespace ${namespace})` };
}

/** One application container: its own registry, store and limiters. */
function appContainer(
  name: string,
  store: CacheStore,
): {
  container: Container;
  module: ReturnType<typeof hotpathModule>;
} {
  const module = hotpathModule({
    name,
    stores: { users: store },
    limiters: { mail: { limit: 2, interval: '200ms' } },
  });
  const container = new Container();
  container.load(module);
  container
    .bind(UserRepository)
    .toDynamicValue(() => new UserRepository())
    .inSingletonScope();
  container
    .bind(Mailer)
    .toDynamicValue(() => new Mailer())
    .inSingletonScope();
  container
    .bind(UserService)
    .toDynamicValue((ctx) =>
      hotpathActivation(ctx, new UserService(ctx.get(UserRepository), ctx.get(Mailer))),
    )
    .inSingletonScope();
  return { container, module };
}

const { store, kind } = await makeStore();
console.log(`cache store: ${kind}`);
const app = appContainer('app', store);
const users = app.container.get(UserService);
const repo = app.container.get(UserRepository);

console.log(
  '\n1. Five lookups in one tick (one duplicate): @cached misses, @batched makes one query',
);
const found = await Promise.all(
  ['ada', 'grace', 'ada', 'linus', 'nobody'].map((id) => users.getUser(id)),
);
console.log(
  `  got: ${found.map((u) => u?.name ?? '(none)').join(', ')}; queries so far: ${repo.queries}`,
);

console.log('\n2. The same lookups again: served by the cache');
await Promise.all(['ada', 'grace', 'linus'].map((id) => users.getUser(id)));
console.log(`  queries so far: ${repo.queries}`);

console.log('\n3. A second container shares nothing: its own store, cache and limiter');
const otherStore = new Keyv();
const other = appContainer('other', otherStore);
await other.container.get(UserService).getUser('ada');
console.log(
  `  'other' queried its own repository: ${other.container.get(UserRepository).queries} query; ` +
    `'app' still at ${repo.queries}`,
);

console.log("\n4. Five digests through the 'mail' limiter (2 per 200 ms): they wait their turn");
const everyone = (
  await Promise.all(['ada', 'grace', 'linus', 'barbara', 'ken'].map((id) => users.getUser(id)))
).filter((u): u is User => u !== undefined);
await Promise.all(everyone.map((u) => users.sendDigest(u)));

console.log('\n5. Logins are collected for a bulk insert (maxWait 10 s) ...');
const logins = ['ada', 'grace', 'ken'].map((id) => users.recordLogins([id]));
console.log(`  rows written so far: ${repo.logins.flat().length}`);

const registry = app.container.get<Hotpath>(HOTPATH_REGISTRY);
console.log(`\nFigures of registry '${registry.name}':\n${registry.report()}`);
console.log("  (@rateLimit's waited is the sum of every call's wait; meanWait the mean per call)");

if (process.env.REDIS_URL) await store.clear?.();
console.log('\n6. ... and unloading the module flushes them and closes the store, at once');
await app.container.unloadAsync(app.module);
await Promise.all(logins);
console.log(`  rows written: ${repo.logins.flat().length} in ${repo.logins.length} insert`);
await other.container.unloadAsync(other.module);
console.log(`\ndone in ${at().trim()}`);
