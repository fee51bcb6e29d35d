/**
 * `@cached` options: the public type and the resolver that validates them once, at decoration
 * time, in the one message form of `core/options.ts` (decorator, method, option, expected, got).
 */
import { MAX_TIMER_MS } from '../core/clock.js';
import type { DecorationSite } from '../core/intercept.js';
import {
  booleanOption,
  checkOptionsObject,
  configError,
  durationOption,
  enumOption,
  functionOption,
  integerOption,
  numberOption,
  optionError,
  stringOption,
  type Duration,
} from '../core/options.js';

/** Options of `@cached`. Every option is validated when the decorator is applied. */
export interface CachedOptions {
  /**
   * How long an entry is fresh. Without it, entries never expire (they leave only by eviction
   * or invalidation). Exact to the registry's clock: at `ttl` after the computation started, the
   * next call recomputes. Setting it adds one clock read per hit.
   *
   * @default undefined (no expiry)
   */
  ttl?: Duration;
  /**
   * Memory-tier (L1) entries per state owner (instance, or registry for shared scope),
   * least recently used evicted first. At most 16 777 216 (what a JavaScript `Map` holds). A
   * bound, not a reservation: a memo costs what it holds (about 1 KB for a new instance's first
   * entry).
   *
   * @default 10_000
   */
  max?: number;
  /**
   * Builds the cache key from the call (`this` is the instance). The result is turned into a
   * string; it is also the `key` that `registry.invalidate({ namespace, key })` and
   * `@invalidates({ key })` name.
   *
   * @default the stable argument key (by structure, not identity; see `core/key.ts`)
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  key?: (this: any, ...args: any[]) => string | number;
  /**
   * `'instance'`: every instance has its own memo. `'shared'`: one memo per registry for every
   * instance (and, with `store`, one entry for every process). With `store` the scope is always
   * shared; `scope: 'instance'` with `store` is a configuration error.
   *
   * @default 'instance' ('shared' with `store`)
   */
  scope?: 'instance' | 'shared';
  /**
   * Named shared tiers of the registry (`createHotpath({ stores })`), in read order:
   * `'redis'` or `['redis', 'postgres']`. Reads go down the list, a hit fills the tiers above,
   * writes go to all. Makes the method answer with a promise; a name the registry lacks rejects
   * calls with `E_CONFIG`.
   *
   * @default undefined (memory only)
   */
  store?: string | readonly string[];
  /**
   * Key namespace: part of every shared key and the target of `invalidate({ namespace })`.
   *
   * @default `ClassName.method`
   */
  namespace?: string;
  /**
   * Stored in every shared entry (an entry written under another version is a miss): bump it
   * when the cached value's shape changes.
   *
   * @default undefined (no version)
   */
  version?: string | number;
  /**
   * Tags of an entry, from its value and arguments; `registry.invalidate({ tags })` makes those
   * entries stale everywhere. Adds a lookup per tag per hit.
   *
   * @default undefined (no tags)
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tags?: (result: any, ...args: any[]) => readonly string[];
  /**
   * After expiry, serve the stale value at once for this long while one background refresh
   * runs. Needs `ttl`.
   *
   * @default 0
   */
  staleWhileRevalidate?: Duration;
  /**
   * After expiry, serve the stale value for this long when the method fails. Needs `ttl`.
   *
   * @default 0
   */
  staleIfError?: Duration;
  /**
   * Fraction of `ttl` to randomize: each entry lives `ttl * (1 - jitter * random)`, so entries
   * written together do not expire together. Needs `ttl`.
   *
   * @default 0.1 with `store`, else 0
   */
  jitter?: number;
  /**
   * A result for which `unless(result)` is true is returned but not cached.
   *
   * @default undefined (every result is cached)
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  unless?: (result: any) => boolean;
  /**
   * Upper bound of every shared-tier operation; slower ones count as failures (a miss or a
   * skipped write). At most 24.8 days (a longer bound bounds nothing).
   *
   * @default '250ms'
   */
  storeTimeout?: Duration;
  /**
   * Distributed single flight (needs `store` and a registry `lock`, e.g. from `hotpath/redis`):
   * on a shared-tier miss, one process computes while the others poll the shared tier every
   * `poll` (default 25 ms) for up to `wait` (default 5 s), then compute themselves. A poll that
   * cannot read the shared tier (error, `storeTimeout`, open breaker) ends the wait at once, and
   * a miss whose shared read failed computes without the lock. `ttl` is the lock's lifetime
   * (default 10 s). `true` means `{ ttl: '10s', wait: '5s', poll: '25ms' }`.
   *
   * @default false
   */
  distributedLock?: boolean | { ttl?: Duration; wait?: Duration; poll?: Duration };
  /**
   * Hold object (and function) results through a `WeakRef`: an entry lasts only while
   * something else references its value, and a `FinalizationRegistry` drops its key once the
   * value is collected (a cache of live objects, like a `WeakValueDictionary`). Primitive
   * results cannot be held weakly and are held strongly, as without `weak`. A hit on an
   * asynchronous method makes a new settled promise each time (an entry holding one would
   * hold the value). A configuration error with `store` (a shared store holds encoded
   * copies, never the objects) and with `staleWhileRevalidate` or `staleIfError` (a weakly
   * held value may be gone when it would be served stale). Methods without `weak` pay nothing
   * for it: they use a separate invoker.
   *
   * @default false
   */
  weak?: boolean;
}

/** {@link CachedOptions} validated, with defaults filled in. Durations in milliseconds. */
export interface ResolvedCachedOptions {
  readonly ttlMs: number | undefined;
  readonly max: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly key: ((this: any, ...args: any[]) => string | number) | undefined;
  readonly scope: 'instance' | 'shared';
  readonly stores: readonly string[];
  readonly namespace: string | undefined;
  readonly version: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly tags: ((result: any, ...args: any[]) => readonly string[]) | undefined;
  readonly swrMs: number;
  readonly sieMs: number;
  readonly jitter: number;
  readonly unless: ((result: unknown) => boolean) | undefined;
  readonly storeTimeoutMs: number;
  readonly lock:
    { readonly ttlMs: number; readonly waitMs: number; readonly pollMs: number } | undefined;
  readonly weak: boolean;
}

const KNOWN = [
  'ttl',
  'max',
  'key',
  'scope',
  'store',
  'namespace',
  'version',
  'tags',
  'staleWhileRevalidate',
  'staleIfError',
  'jitter',
  'unless',
  'storeTimeout',
  'distributedLock',
  'weak',
] as const;

/** The largest `max`: a memory tier indexes its entries in a `Map`, which holds at most 2^24. */
const MAX_ENTRIES = 2 ** 24;

/** Defaults of `distributedLock: true`. */
const LOCK_DEFAULTS = { ttlMs: 10_000, waitMs: 5_000, pollMs: 25 } as const;

/**
 * Validates `@cached` options for `site` and fills defaults. Throws the house-form
 * `TypeError` on the first problem.
 */
export function resolveCachedOptions(site: DecorationSite, raw: unknown): ResolvedCachedOptions {
  checkOptionsObject(site, raw, KNOWN);
  const o = (raw ?? {}) as Record<string, unknown>;
  const ttlMs = durationOption(site, 'ttl', o.ttl, undefined, { positive: true });
  const max = integerOption(site, 'max', o.max, 10_000, 1, MAX_ENTRIES);
  const key = functionOption<NonNullable<ResolvedCachedOptions['key']>>(site, 'key', o.key);
  const tags = functionOption<NonNullable<ResolvedCachedOptions['tags']>>(site, 'tags', o.tags);
  const unless = functionOption<(result: unknown) => boolean>(site, 'unless', o.unless);

  let stores: string[] = [];
  if (o.store !== undefined) {
    const list = typeof o.store === 'string' ? [o.store] : o.store;
    const valid =
      Array.isArray(list) &&
      list.length > 0 &&
      list.every((s) => typeof s === 'string' && s.length > 0) &&
      new Set(list).size === list.length;
    if (!valid)
      throw optionError(
        site,
        'store',
        'a store name or a non-empty array of distinct store names',
        o.store,
      );
    stores = [...(list as string[])];
  }
  if (o.scope === 'instance' && stores.length > 0) {
    throw configError(
      site,
      "`scope: 'instance'` cannot be combined with `store`: entries in a shared store are shared by every instance and process; drop `scope` (or use `scope: 'shared'`) or drop `store`",
    );
  }
  const scope = enumOption(
    site,
    'scope',
    o.scope,
    ['instance', 'shared'] as const,
    stores.length > 0 ? 'shared' : 'instance',
  );

  const namespace = stringOption(site, 'namespace', o.namespace);
  if (
    o.version !== undefined &&
    !(
      typeof o.version === 'string' ||
      (typeof o.version === 'number' && Number.isFinite(o.version))
    )
  ) {
    throw optionError(site, 'version', 'a string or a finite number', o.version);
  }
  const version = o.version === undefined ? '' : String(o.version);

  const swrMs = durationOption(site, 'staleWhileRevalidate', o.staleWhileRevalidate, 0);
  const sieMs = durationOption(site, 'staleIfError', o.staleIfError, 0);
  const jitter = numberOption(
    site,
    'jitter',
    o.jitter,
    ttlMs !== undefined && stores.length > 0 ? 0.1 : 0,
    0,
    1,
  );
  for (const [option, set] of [
    ['staleWhileRevalidate', o.staleWhileRevalidate !== undefined],
    ['staleIfError', o.staleIfError !== undefined],
    ['jitter', o.jitter !== undefined],
  ] as const) {
    if (set && ttlMs === undefined) {
      throw configError(site, `\`${option}\` needs \`ttl\`: without it entries never expire`);
    }
  }
  const storeTimeoutMs = durationOption(site, 'storeTimeout', o.storeTimeout, 250, {
    positive: true,
    max: MAX_TIMER_MS,
  });

  let lock: ResolvedCachedOptions['lock'];
  const dl = o.distributedLock;
  if (dl !== undefined && dl !== false) {
    if (dl !== true && (typeof dl !== 'object' || dl === null || Array.isArray(dl))) {
      throw optionError(
        site,
        'distributedLock',
        'a boolean or an object { ttl?, wait?, poll? }',
        dl,
      );
    }
    if (stores.length === 0) {
      throw configError(
        site,
        '`distributedLock` needs `store`: processes coordinate through a shared tier',
      );
    }
    const d = dl === true ? {} : (dl as Record<string, unknown>);
    checkOptionsObject({ decorator: site.decorator, where: site.where }, d, [
      'ttl',
      'wait',
      'poll',
    ]);
    lock = {
      ttlMs: durationOption(site, 'distributedLock.ttl', d.ttl, LOCK_DEFAULTS.ttlMs, {
        positive: true,
      }),
      waitMs: durationOption(site, 'distributedLock.wait', d.wait, LOCK_DEFAULTS.waitMs),
      pollMs: durationOption(site, 'distributedLock.poll', d.poll, LOCK_DEFAULTS.pollMs, {
        positive: true,
      }),
    };
  }

  const weak = booleanOption(site, 'weak', o.weak, false);
  if (weak) {
    if (stores.length > 0) {
      throw configError(
        site,
        '`weak` cannot be combined with `store`: a shared store holds encoded copies, never the objects themselves; drop one of them',
      );
    }
    for (const option of ['staleWhileRevalidate', 'staleIfError'] as const) {
      if (o[option] !== undefined) {
        throw configError(
          site,
          `\`weak\` cannot be combined with \`${option}\`: a weakly held value may be gone when it would be served stale`,
        );
      }
    }
  }

  if (
    site.kind === 'function' &&
    stores.length > 0 &&
    namespace === undefined &&
    site.where === 'anonymous function'
  ) {
    throw configError(
      site,
      'an anonymous function with `store` needs `namespace`: it names the shared entries',
    );
  }

  return {
    ttlMs,
    max,
    key,
    scope,
    stores,
    namespace,
    version,
    tags,
    swrMs,
    sieMs,
    jitter: ttlMs === undefined ? 0 : jitter,
    unless,
    storeTimeoutMs,
    lock,
    weak,
  };
}
