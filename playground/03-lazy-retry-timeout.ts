/**
 * A client for a flaky upstream: a lazily built connection pool and config (@lazy), calls
 * retried with backoff (@retry) and each try bounded in time (@timeout), plus a lazily loaded
 * feature-flag table as a plain function (lazy(factory)).
 * Run: npx tsx playground/03-lazy-retry-timeout.ts
 */
import {
  control,
  createHotpath,
  bindHotpath,
  isHotpathError,
  lazy,
  retry,
  timeout,
} from '../src/index.js';

const t0 = Date.now();
const at = (): string => `${String(Date.now() - t0).padStart(4)} ms`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A pretend upstream: answers slowly or fails, following a script per request id. */
class FlakyUpstream {
  readonly #script = new Map<string, ('ok' | 'fail' | 'hang' | 'missing')[]>([
    ['user:1', ['ok']],
    ['user:2', ['fail', 'hang', 'ok']],
    ['user:3', ['fail', 'fail', 'fail', 'fail']],
    ['user:4', ['missing']],
  ]);

  async get(id: string): Promise<{ id: string; name: string }> {
    const step = this.#script.get(id)?.shift() ?? 'ok';
    if (step === 'hang') {
      console.log(`${at()}  upstream: ${id} hangs`);
      await sleep(5_000); // longer than the per-try timeout: the client gives up on this try
    } else if (step === 'fail') {
      console.log(`${at()}  upstream: ${id} -> 503`);
      throw Object.assign(new Error(`503 Service Unavailable for ${id}`), { status: 503 });
    } else if (step === 'missing') {
      console.log(`${at()}  upstream: ${id} -> 404`);
      throw Object.assign(new Error(`404 Not Found: ${id}`), { status: 404 });
    } else {
      await sleep(20);
    }
    return { id, name: `User ${id.slice(5)}` };
  }
}

class UserClient {
  constructor(readonly url: string) {}

  /** Built on first use only, once per client (not per call, not per class). */
  @lazy()
  get pool(): Promise<FlakyUpstream> {
    console.log(`${at()}  opening a connection pool to ${this.url}`);
    return sleep(30).then(() => new FlakyUpstream());
  }

  /** Parsed once per client. */
  @lazy()
  get config(): { region: string } {
    console.log(`${at()}  parsing config for ${this.url}`);
    return { region: new URL(this.url).hostname.split('.')[0]! };
  }

  /** Each try gets 200 ms; up to 4 tries, 50 ms doubling backoff; a 404 is not worth retrying. */
  @retry({
    attempts: 4,
    delay: '50ms',
    jitter: 'equal',
    retryIf: (error) => (error as { status?: number }).status !== 404,
    onRetry: ({ error, attempt, delayMs }) =>
      console.log(
        `${at()}  retry after try ${attempt} (${(error as Error).message}), waiting ${delayMs} ms`,
      ),
  })
  @timeout('200ms')
  async user(id: string): Promise<{ id: string; name: string }> {
    const pool = await this.pool;
    return pool.get(id);
  }
}

const registry = createHotpath({ name: 'playground-03' });
const client = bindHotpath(new UserClient('https://eu.api.example.com'), registry);

console.log(`${at()}  client created; nothing opened yet`);
console.log(`${at()}  region: ${client.config.region} (and again: ${client.config.region})`);

for (const id of ['user:1', 'user:2', 'user:3', 'user:4']) {
  try {
    const user = await client.user(id);
    console.log(`${at()}  ${id}: got ${user.name}`);
  } catch (error) {
    const kind = isHotpathError(error, 'E_TIMEOUT') ? 'timed out' : 'failed';
    console.log(`${at()}  ${id}: ${kind} for good: ${(error as Error).message}`);
  }
}

control(client, 'config').reset();
console.log(`${at()}  config reset; next read parses again: ${client.config.region}`);

/** A feature-flag table loaded once, on first use, by a plain function. */
const flags = lazy(async () => {
  console.log(`${at()}  loading feature flags`);
  await sleep(10);
  return new Set(['new-checkout']);
});
console.log(`${at()}  new-checkout enabled: ${(await flags()).has('new-checkout')}`);
console.log(`${at()}  beta-search enabled: ${(await flags()).has('beta-search')} (no second load)`);

console.log('\nFigures:');
console.log(registry.report());
// The hanging try of user:2 still has its 5 s sleep pending; @timeout's own timer is unref'd
// and cleared, but that sleep is the upstream's, so end the demo explicitly.
process.exit(0);
