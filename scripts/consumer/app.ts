/**
 * A consumer of the packed package, type-checked by `npm run check:consumers` (see
 * scripts/check-consumers.ts) with the oldest and newest supported TypeScript, as an ES module
 * and as CommonJS, with TC39 decorators and with `experimentalDecorators`, without
 * `skipLibCheck`. It touches every entry point but `hotpath/inversify` (container.ts) and every
 * decorator, so that the `.d.ts` files they pull in are all checked; the `@ts-expect-error`
 * lines prove the types are real (an `any` would leave them unused, which is an error). Never
 * run, only compiled.
 */
import {
  batched,
  bindHotpath,
  cached,
  codec,
  control,
  createHotpath,
  debounce,
  invalidates,
  isHotpathError,
  lazy,
  memoryMonitor,
  profile,
  rateLimit,
  retry,
  throttle,
  timeout,
  use,
  withBreaker,
  type HotpathDecorator,
  type Middleware,
} from 'hotpath';
import {
  PerOwner,
  argumentKey,
  createDecorator,
  publishEvent,
  systemClock,
  type Layer,
  type SiteInfo,
} from 'hotpath/extend';
import { instrumentOtel } from 'hotpath/otel';
import { instrumentPrometheus } from 'hotpath/prometheus';
import { RedisBus, RedisLock, redisStore } from 'hotpath/redis';

interface User {
  id: string;
  name: string;
}

const logged: Middleware = (call, next) => {
  console.log(call.className, call.method, call.args.length);
  return next();
};

const url = 'redis://127.0.0.1:6379';
const registry = createHotpath({
  name: 'consumer',
  stores: { redis: withBreaker(redisStore(url, { namespace: 'app' }), { failures: 5 }) },
  bus: new RedisBus({ url, channel: 'app:invalidations' }),
  lock: new RedisLock({ url, prefix: 'app:' }),
});

class UserService {
  private version = 0;

  @cached({ ttl: '5m', tags: (_user: User, id: string) => [`user:${id}`], store: 'redis' })
  @retry({ attempts: 3, delay: '100ms' })
  @timeout('2s')
  async getUser(id: string): Promise<User> {
    return { id, name: `user ${id}` };
  }

  @cached()
  square(n: number): number {
    return n * n;
  }

  @invalidates({ tags: (_result: void, id: string) => [`user:${id}`] })
  async rename(id: string, name: string): Promise<void> {
    console.log(id, name);
  }

  @rateLimit({ limit: 10, interval: '1s' })
  @profile()
  async callPartner(path: string): Promise<string> {
    return path;
  }

  @batched({ maxBatchSize: 100 })
  async byIds(ids: string[]): Promise<User[]> {
    return ids.map((id) => ({ id, name: id }));
  }

  @debounce('250ms')
  save(): void {
    this.version++;
  }

  @throttle({ wait: '1s' })
  track(event: string): void {
    console.log(event);
  }

  @use(logged)
  describe(): string {
    return `v${this.version}`;
  }

  @lazy()
  get settings(): { version: number } {
    return { version: this.version };
  }

  // @ts-expect-error @rateLimit applies to promise-returning methods only
  @rateLimit({ limit: 1, interval: '1s' })
  count(): number {
    return 1;
  }
}

const service = bindHotpath(new UserService(), registry);
const user: Promise<User> = service.getUser('1');
const users: Promise<User[]> = service.byIds(['1', '2']);
const squared: number = service.square(3);
console.log(user, users, squared, service.settings.version);
control(service, 'getUser').invalidate('1');

// The functional forms keep the wrapped function's type.
const fetchUser = cached({ ttl: '1m' })(async (id: string): Promise<User> => ({ id, name: id }));
const loaded: Promise<User> = fetchUser('1');
const config: () => { port: number } = lazy(() => ({ port: 8080 }));
// @ts-expect-error the functional form keeps the constraint: @retry wraps promise-returning functions
retry()((n: number) => n);
console.log(loaded, config().port);

const asyncOnly: HotpathDecorator<(...args: never[]) => Promise<unknown>> = createDecorator({
  name: 'asyncOnly',
  layer: () => ({ decorator: 'asyncOnly', wrap: (inner) => inner }),
});
console.log(asyncOnly);

// A decorator of one's own (hotpath/extend): per-instance call counts, keyed like @cached.
const callsPerKey = new PerOwner<Map<string, number>>(() => new Map());
const counted = createDecorator({
  name: 'counted',
  layer: (): Layer => ({
    decorator: 'counted',
    wrap: (inner, site: SiteInfo) => (call) => {
      const counts = callsPerKey.get(call.owner);
      const key = argumentKey(call.args, site.name);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      publishEvent('counted', 'call', site, { key, at: systemClock.now() });
      return inner(call);
    },
  }),
});
function rename(site: SiteInfo): void {
  // @ts-expect-error a site description is read-only
  site.name = 'other';
}
console.log(rename);
const countedSquare: (n: number) => number = counted((n: number) => n * n);
console.log(countedSquare(2));

const roundTrip: unknown = codec.decode(codec.encode(new Map([[1, new Date()]])));
console.log(roundTrip);

const monitor = memoryMonitor({ interval: '10s', registry });
const otel = instrumentOtel();
const prometheus = instrumentPrometheus({ prefix: 'consumer_' });
console.log(monitor, otel, prometheus);

registry.on('error', (error) => {
  if (isHotpathError(error, 'E_STORE')) console.log(error.code);
});
void registry.shutdown().then(() => console.log('closed'));
