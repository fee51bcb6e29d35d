/**
 * Response caching for Nest routes on `@cached`'s machinery, with the RFC 9211 `Cache-Status`
 * header on every response.
 */
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Inject, Optional } from '@nestjs/common';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { cached } from '../cached/cached.js';
import type { CachedOptions } from '../cached/options.js';
import { valueKey } from '../core/key.js';
import { parseDuration } from '../core/options.js';
import { bindHotpath, hotpath } from '../registry/binding.js';
import type { Hotpath } from '../registry/hotpath.js';
import { HOTPATH_REGISTRY } from './tokens.js';

/**
 * Options of {@link HotpathCacheInterceptor}: `@cached`'s storage options (`ttl`, `max`,
 * `store`, `namespace`, `version`, `staleWhileRevalidate`, `staleIfError`, `jitter`,
 * `storeTimeout`, `distributedLock`, with their defaults), plus what makes a response's key
 * and tags.
 */
export interface ResponseCacheOptions extends Pick<
  CachedOptions,
  | 'ttl'
  | 'max'
  | 'store'
  | 'namespace'
  | 'version'
  | 'staleWhileRevalidate'
  | 'staleIfError'
  | 'jitter'
  | 'storeTimeout'
  | 'distributedLock'
> {
  /**
   * What else a response depends on besides method and URL: the user, the tenant, a cookie.
   * Its result (any keyable value) joins the key. Return `undefined` for the same response for
   * everyone.
   *
   * @default no such part: the key is method and URL (and `varyHeaders`)
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  vary?: (request: any) => unknown;
  /**
   * Request headers whose values join the key (`['accept-language']`), lower case.
   *
   * @default []
   */
  varyHeaders?: readonly string[];
  /** Tags of a response, from its body and request, for `registry.invalidate({ tags })`. @default no tags */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tags?: (body: any, request: any) => readonly string[];
  /** The HTTP methods whose responses are cached; others pass with `fwd=method`. @default ['GET', 'HEAD'] */
  methods?: readonly string[];
  /** The cache's name in `Cache-Status`. @default 'hotpath' */
  name?: string;
}

/** A cached response: its body and when it was made (for `Cache-Status`'s `ttl`). */
interface Stored {
  readonly body: unknown;
  readonly at: number;
}

/** What one request learns from the cached call: the entry it produced, if it ran the handler. */
interface Outcome {
  produced: Stored | undefined;
}

interface HttpRequest {
  method?: string;
  originalUrl?: string;
  url?: string;
  headers?: Record<string, string | string[] | undefined>;
}

interface HttpResponse {
  setHeader?(name: string, value: string): unknown;
  header?(name: string, value: string): unknown;
}

const DEFAULT_METHODS = ['GET', 'HEAD'] as const;

/**
 * Caches route responses: a Nest interceptor that, unlike Nest's `CacheInterceptor`, runs the
 * handler once for concurrent requests of one key (single flight), keys by method, URL and
 * what you name (`vary`: user, tenant; `varyHeaders`), takes `ttl`, `staleWhileRevalidate`,
 * `store`, `tags` and the rest from `@cached`'s machinery, and tells every response what
 * happened in an RFC 9211 `Cache-Status` header:
 *
 * - `hotpath; hit; ttl=12`: served from the cache, 12 s of freshness left (`ttl` only with a `ttl`);
 * - `hotpath; hit; ttl=-3`: served stale (3 s past its ttl) while it is refreshed
 *   (`staleWhileRevalidate`) or because the handler failed (`staleIfError`);
 * - `hotpath; fwd=uri-miss; stored`: the handler ran and its response was stored;
 * - `hotpath; fwd=uri-miss; collapsed`: joined a request of the same key already running the
 *   handler, and got its response;
 * - `hotpath; fwd=method`: a method not cached (`methods`); `fwd=uri-miss` on an error.
 *
 * Use one instance per route or controller (`@UseInterceptors(new HotpathCacheInterceptor({ ttl: '30s' }))`),
 * or app-wide with a registry (`{ provide: APP_INTERCEPTOR, useFactory: (r) => new
 * HotpathCacheInterceptor({ ttl: '30s' }, r), inject: [HOTPATH_REGISTRY] }`); each instance is
 * one cache, so entries are shared by every route it serves (their URLs differ). Without
 * `registry` it uses the default registry (its stores, stats, shutdown). Given as a class
 * (`@UseInterceptors(HotpathCacheInterceptor)`, `useClass`), Nest builds it with the default
 * options and the registry of the `HotpathModule` in scope, if any. Responses written
 * through `@Res()` bypass interceptors and are not cached. A stale entry is refreshed by
 * running again the handler of the request that found it stale, after that request's
 * response went out.
 */
export class HotpathCacheInterceptor implements NestInterceptor {
  readonly #name: string;
  readonly #methods: ReadonlySet<string>;
  readonly #ttl: number | undefined;
  readonly #vary: ((request: unknown) => unknown) | undefined;
  readonly #headers: readonly string[];
  readonly #clock: () => number;
  /** Keys whose handler is running: a request that finds its key here joins that run. */
  readonly #running = new Set<string>();
  readonly #respond: (
    key: string,
    handle: () => Promise<unknown>,
    outcome: Outcome,
    request: unknown,
  ) => Stored | Promise<Stored>;

  constructor(options: ResponseCacheOptions = {}, registry: Hotpath = hotpath) {
    const { vary, varyHeaders = [], tags, methods = DEFAULT_METHODS, name, ...storage } = options;
    this.#name = name ?? 'hotpath';
    this.#methods = new Set(methods.map((m) => m.toUpperCase()));
    this.#ttl = storage.ttl === undefined ? undefined : parseDuration(storage.ttl);
    this.#vary = vary;
    this.#headers = varyHeaders.map((h) => h.toLowerCase());
    this.#clock = () => registry.clock.now();
    const clock = this.#clock;
    const running = this.#running;
    const respond = async function response(
      key: string,
      handle: () => Promise<unknown>,
      outcome: Outcome,
    ): Promise<Stored> {
      running.add(key);
      try {
        const stored: Stored = { body: await handle(), at: clock() };
        outcome.produced = stored;
        return stored;
      } finally {
        running.delete(key);
      }
    };
    this.#respond = bindHotpath(
      cached({
        ...storage,
        key: (key: string) => key,
        tags:
          tags &&
          ((stored: Stored, _k: string, _h: unknown, _o: unknown, request: unknown) =>
            tags(stored.body, request)),
      })(respond),
      registry,
    );
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<HttpResponse>();
    const method = (request.method ?? 'GET').toUpperCase();
    if (!this.#methods.has(method)) {
      setHeader(response, 'Cache-Status', `${this.#name}; fwd=method`);
      return next.handle();
    }
    return from(this.#serve(method, request, response, next));
  }

  async #serve(
    method: string,
    request: HttpRequest,
    response: HttpResponse,
    next: CallHandler,
  ): Promise<unknown> {
    const key = this.#keyOf(method, request);
    const outcome: Outcome = { produced: undefined };
    const started = this.#clock();
    const joining = this.#running.has(key);
    let stored: Stored;
    try {
      stored = await this.#respond(key, () => lastValueFrom(next.handle()), outcome, request);
    } catch (error) {
      setHeader(response, 'Cache-Status', `${this.#name}; fwd=uri-miss`);
      throw error;
    }
    setHeader(
      response,
      'Cache-Status',
      this.#status(stored, outcome, joining && stored.at >= started),
    );
    return stored.body;
  }

  #keyOf(method: string, request: HttpRequest): string {
    let key = `${method} ${request.originalUrl ?? request.url ?? ''}`;
    if (this.#vary !== undefined) {
      const part = this.#vary(request);
      if (part !== undefined) key += ` ${valueKey(part, 'HotpathCacheInterceptor vary')}`;
    }
    for (const name of this.#headers) {
      key += ` ${name}=${valueKey(request.headers?.[name] ?? null, 'HotpathCacheInterceptor')}`;
    }
    return key;
  }

  /** `collapsed`: the request found its key's handler running and got the response it made. */
  #status(stored: Stored, outcome: Outcome, collapsed: boolean): string {
    if (outcome.produced === stored) return `${this.#name}; fwd=uri-miss; stored`;
    if (collapsed) return `${this.#name}; fwd=uri-miss; collapsed`;
    if (this.#ttl === undefined) return `${this.#name}; hit`;
    const left = (this.#ttl - (this.#clock() - stored.at)) / 1000;
    return `${this.#name}; hit; ttl=${Math.trunc(left)}`;
  }
}

/** A token nothing provides: built by Nest, the interceptor gets no options (its defaults). */
const NO_OPTIONS = Symbol('hotpath.nestjs.noResponseCacheOptions');
// src/ is compiled without decorator syntax: the parameter decorators are applied by hand.
// Both optional: outside a HotpathModule the registry is the default one.
Inject(NO_OPTIONS)(HotpathCacheInterceptor, undefined, 0);
Optional()(HotpathCacheInterceptor, undefined, 0);
Inject(HOTPATH_REGISTRY)(HotpathCacheInterceptor, undefined, 1);
Optional()(HotpathCacheInterceptor, undefined, 1);

function setHeader(response: HttpResponse, name: string, value: string): void {
  // Express's response has setHeader; Fastify's reply has header.
  if (typeof response.setHeader === 'function') response.setHeader(name, value);
  else response.header?.(name, value);
}
