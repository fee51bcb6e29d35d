/**
 * A client for a rate-limited API: the pretend API answers 429 when a token sends more than 8
 * requests in any 500 ms, or more than 2 at once. The client stays under it with @rateLimit
 * (sliding window + maxConcurrent), shares one budget between two methods through a named
 * limiter, keeps tenants apart with `key`, and shows `onLimit: 'reject'` with `retryAfter`.
 * Run: npx tsx playground/04-rate-limit.ts
 */
import { RateLimitError, bindHotpath, control, createHotpath, rateLimit } from '../src/index.js';

const t0 = Date.now();
const at = (): string => `${String(Date.now() - t0).padStart(4)} ms`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A pretend API that enforces its quota per token, like GitHub's or Stripe's. */
class QuotaApi {
  readonly #starts = new Map<string, number[]>();
  readonly #inFlight = new Map<string, number>();
  served = 0;
  refused = 0;

  async request(token: string, path: string): Promise<{ status: number; path: string }> {
    const now = Date.now();
    const recent = (this.#starts.get(token) ?? []).filter((t) => now - t < 500);
    const busy = this.#inFlight.get(token) ?? 0;
    if (recent.length >= 8 || busy >= 2) {
      this.refused++;
      return { status: 429, path };
    }
    recent.push(now);
    this.#starts.set(token, recent);
    this.#inFlight.set(token, busy + 1);
    await sleep(15 + Math.random() * 30);
    this.#inFlight.set(token, (this.#inFlight.get(token) ?? 1) - 1);
    this.served++;
    return { status: 200, path };
  }
}

const api = new QuotaApi();
const registry = createHotpath({
  name: 'playground',
  // One budget for every method (and client) that names it. The window is 10 ms longer than the
  // API's: the limiter counts a start when it lets the call through, the API when the request
  // arrives a moment later, and that moment varies (here by up to a millisecond, over a network
  // by more). Any client-side limiter needs such a margin.
  limiters: { quota: { limit: 8, interval: '510ms', maxConcurrent: 2 } },
});

class RepoClient {
  constructor(readonly token: string) {}

  @rateLimit({ limiter: 'quota' })
  async repo(name: string): Promise<number> {
    return (await api.request(this.token, `/repos/${name}`)).status;
  }

  @rateLimit({ limiter: 'quota', priority: 1 })
  async issues(name: string): Promise<number> {
    return (await api.request(this.token, `/repos/${name}/issues`)).status;
  }
}

class TenantClient {
  /** A separate budget per tenant (each tenant has its own token upstream). */
  @rateLimit({ limit: 8, interval: '510ms', maxConcurrent: 2, key: (tenant: string) => tenant })
  async report(tenant: string): Promise<number> {
    return (await api.request(`tenant-${tenant}`, `/reports/${tenant}`)).status;
  }

  /** Interactive calls: better to tell the user "try again in N ms" than to make them wait. */
  @rateLimit({ limit: 2, interval: '1s', onLimit: 'reject' })
  async search(q: string): Promise<number> {
    return (await api.request('search', `/search?q=${q}`)).status;
  }
}

const repos = bindHotpath(new RepoClient('token-1'), registry);
const tenants = bindHotpath(new TenantClient(), registry);

console.log(
  `${at()}  24 repo + issue requests through one named limiter (8 per 510 ms, 2 at once)`,
);
const statuses = await Promise.all(
  Array.from({ length: 12 }, (_, i) => [repos.repo(`r${i}`), repos.issues(`r${i}`)]).flat(),
);
console.log(
  `${at()}  done: ${statuses.filter((s) => s === 200).length} x 200, ${statuses.filter((s) => s === 429).length} x 429`,
);

console.log(`${at()}  3 tenants x 8 reports, each tenant on its own budget`);
const perTenant = await Promise.all(
  ['acme', 'globex', 'initech'].flatMap((t) => Array.from({ length: 8 }, () => tenants.report(t))),
);
console.log(
  `${at()}  done: ${perTenant.filter((s) => s === 200).length} x 200 (no tenant waited for another)`,
);

for (const q of ['a', 'b', 'c']) {
  try {
    console.log(`${at()}  search '${q}' -> ${await tenants.search(q)}`);
  } catch (error) {
    if (!(error instanceof RateLimitError)) throw error;
    console.log(
      `${at()}  search '${q}' refused: ${error.message} (retryAfter ${error.retryAfter} ms)`,
    );
  }
}

console.log(`\nupstream served ${api.served}, refused ${api.refused} (429)`);
const repo = control(repos, 'repo').stats().rateLimit as {
  waits: number;
  waitedMs: number;
  meanWaitMs: number;
};
console.log('stats of RepoClient.repo:', repo);
// waitedMs adds up every call's wait; the calls waited at the same time, so it exceeds the run.
console.log(
  `  ${repo.waits} calls waited ${(repo.waitedMs / 1000).toFixed(2)} s summed (waitedMs), ` +
    `${repo.meanWaitMs.toFixed(0)} ms each on average (meanWaitMs), over the ${((Date.now() - t0) / 1000).toFixed(1)} s so far`,
);
console.log(`\n${registry.report()}`);
console.log("  (the report's waited column is that sum, per method; meanWait the mean per call)");
await registry.shutdown();
if (api.refused > 0) process.exitCode = 1;
