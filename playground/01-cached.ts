/**
 * @cached and @invalidates on a user service with a keyv store: memory hits, a second
 * "process" reading the shared tier, tag invalidation after a write, stale-while-revalidate,
 * and a store that hangs (the service keeps answering, the breaker skips the store).
 * Run: npx tsx playground/01-cached.ts
 */
import Keyv from 'keyv';
import {
  bindHotpath,
  cached,
  control,
  createHotpath,
  invalidates,
  withBreaker,
  type CacheStore,
} from '../src/index.js';

interface User {
  id: string;
  name: string;
  since: Date;
  roles: Set<string>;
}

/** A pretend database that counts its queries. */
const db = {
  queries: 0,
  users: new Map<string, User>([
    ['1', { id: '1', name: 'Ada', since: new Date('2020-01-01'), roles: new Set(['admin']) }],
    ['2', { id: '2', name: 'Linus', since: new Date('2021-06-01'), roles: new Set(['dev']) }],
  ]),
  async find(id: string): Promise<User> {
    this.queries++;
    await new Promise((r) => setTimeout(r, 20));
    const u = this.users.get(id)!;
    return { ...u, roles: new Set(u.roles) };
  },
};

class UserService {
  @cached({ store: 'shared', ttl: '5m', tags: (u: User) => [`user:${u.id}`] })
  async getUser(id: string): Promise<User> {
    return db.find(id);
  }

  @invalidates({ tags: (_r: void, id: string) => [`user:${id}`] })
  async rename(id: string, name: string): Promise<void> {
    db.users.get(id)!.name = name;
  }

  @cached({ ttl: 200, staleWhileRevalidate: '10s' })
  async exchangeRate(): Promise<number> {
    db.queries++;
    await new Promise((r) => setTimeout(r, 20));
    return 1 + db.queries / 100;
  }
}

const shared = new Keyv();
const processA = createHotpath({ name: 'process-a', stores: { shared } });
const processB = createHotpath({ name: 'process-b', stores: { shared } });
const a = bindHotpath(new UserService(), processA);
const b = bindHotpath(new UserService(), processB);

console.log('1. 50 concurrent calls for one user run one query (single flight):');
const users = await Promise.all(Array.from({ length: 50 }, () => a.getUser('1')));
console.log(`   ${users.length} answers, ${db.queries} query; then 100 000 memory hits:`);
// No per-hit timing here: one cold run under tsx measures mostly the JIT warming up (several
// times the steady cost). `npm run bench -- cached` measures a hit properly (README, Cost).
for (let i = 0; i < 100_000; i++) await a.getUser('1');
console.log(`   queries still ${db.queries} (what a hit costs: npm run bench -- cached)`);

await new Promise((r) => setImmediate(r));
console.log(
  '2. A second registry (standing in for another process) reads the shared tier (rich types intact), no query:',
);
const fromB = await b.getUser('1');
console.log(
  `   ${fromB.name}, since ${fromB.since.toISOString().slice(0, 10)} (a ${fromB.since.constructor.name}),`,
  `roles ${[...fromB.roles].join(',')} (a ${fromB.roles.constructor.name}); queries ${db.queries}`,
);

console.log('3. A write with @invalidates drops the user everywhere it is cached by tag:');
await a.rename('1', 'Ada Lovelace');
console.log(`   process A now reads "${(await a.getUser('1')).name}" (queries ${db.queries})`);
await new Promise((r) => setTimeout(r, 5));
const fresh = createHotpath({ stores: { shared } });
console.log(
  `   a third process reads "${(await bindHotpath(new UserService(), fresh).getUser('1')).name}" from the shared tier`,
);

console.log(
  '4. staleWhileRevalidate answers at once with the old rate and refreshes in the background:',
);
const r1 = await a.exchangeRate();
await new Promise((r) => setTimeout(r, 250));
const started = performance.now();
const r2 = await a.exchangeRate();
console.log(
  `   expired rate ${r2} served in ${(performance.now() - started).toFixed(2)} ms (was ${r1})`,
);
await new Promise((r) => setTimeout(r, 40));
console.log(`   after the refresh: ${await a.exchangeRate()}`);

console.log(
  '5. A store that hangs: every call answers within storeTimeout, then the breaker skips it:',
);
const hanging: CacheStore = withBreaker(
  { get: () => new Promise(() => {}), set: () => new Promise(() => {}), delete: async () => true },
  { failures: 2, cooldown: '30s' },
);
const broken = createHotpath({ name: 'broken', stores: { shared: hanging } });
const errors: string[] = [];
broken.on('error', (e) => errors.push(e.message));
const c = bindHotpath(new UserService(), broken);
const timed = async (id: string): Promise<void> => {
  const s = performance.now();
  const u = await c.getUser(id);
  console.log(`   getUser(${id}) = ${u.name} in ${(performance.now() - s).toFixed(0)} ms`);
};
await timed('1');
await timed('2');
// Drop the memory copies: the next call goes past the memory tier, and the open breaker skips
// the store at once (no 250 ms wait).
await control(c, 'getUser').clear();
await timed('2');
for (const m of errors) console.log(`   error event: ${m}`);

console.log('6. Figures:');
console.log(processA.report());
console.log(JSON.stringify(control(c, 'getUser').stats().cached));

await Promise.all([processA.shutdown(), processB.shutdown(), fresh.shutdown(), broken.shutdown()]);
