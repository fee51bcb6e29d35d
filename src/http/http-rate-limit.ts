/**
 * A per-client rate limit for HTTP servers without Nest: Express (and Connect) middleware and a
 * Fastify `onRequest` hook, answering over-limit requests with 429 and the same headers as
 * `HotpathExceptionFilter`. Each client's budget is a `@rateLimit` per-key budget: in process,
 * or shared by every process through the native Redis engine (`engine: 'redis'`).
 */
import { configError, optionError, parseDuration, type OptionSite } from '../core/options.js';
import { isHotpathError } from '../errors.js';
import { resolveRateLimitOptions, type RateLimitOptions } from '../rate-limit/options.js';
import { rateLimit } from '../rate-limit/rate-limit.js';
import { COUNT_DECISIONS, type RedisLimiterOptions } from '../rate-limit/redis-limiter-options.js';
import { bindHotpath, hotpath } from '../registry/binding.js';
import type { Hotpath } from '../registry/hotpath.js';
import type { Duration } from '../core/options.js';
import { rateLimitHeaders } from './rate-limit-headers.js';

/** Options of {@link expressRateLimit} and {@link fastifyRateLimit}. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface HttpRateLimitOptions<Request = any> {
  /** Requests one client may make per `interval` (a sliding window). */
  limit: number;
  /** The window: `'1m'`, `60_000`. */
  interval: Duration;
  /**
   * The client a request counts against: its address, a user id, an API key. `undefined`
   * exempts the request.
   *
   * @default the request's `ip`
   */
  key?: (request: Request) => string | undefined;
  /**
   * Shares each client's budget between every process through Redis: `@rateLimit`'s native
   * Redis engine, `{ client, key }` (your ioredis `Redis` or `Cluster`, and the limit's name
   * in Redis; also `whenUnreachable`, `leaseTtl`). Each client is its own hash tag,
   * `hotpath:rl:{<key>:<client>}`, whose keys expire after the window.
   *
   * @default undefined (this process: hotpath's sliding window, one budget per key, idle ones released)
   */
  redis?: RedisLimiterOptions;
  /** The policy's name in the `RateLimit` headers. @default 'default' */
  name?: string;
  /** The registry whose figures and shutdown the limit belongs to. @default the default registry */
  registry?: Hotpath;
}

/** The answer for one request. */
interface LimitVerdict {
  /** Whether the request may go on (it was counted). */
  readonly allowed: boolean;
  /** When refused: milliseconds until the client may make a request again. */
  readonly retryAfter: number;
}

interface Checked<Request> {
  readonly limit: number;
  readonly interval: number;
  readonly key: (request: Request) => string | undefined;
  readonly name: string;
  readonly take: (key: string) => Promise<LimitVerdict>;
}

/** What a refused request is answered with. */
interface Refusal {
  readonly status: 429;
  readonly headers: Record<string, string>;
  readonly body: { statusCode: 429; message: string; error: string };
}

function check<Request>(
  options: HttpRateLimitOptions<Request>,
  site: OptionSite,
): Checked<Request> {
  if (options === null || typeof options !== 'object') {
    throw configError(
      site,
      `options must be an object with limit and interval, got ${String(options)}`,
    );
  }
  const { limit, redis, name = 'default', registry = hotpath } = options;
  if (!Number.isInteger(limit) || limit < 1) {
    throw optionError(site, 'limit', 'a positive integer', limit);
  }
  const interval = parseDuration(options.interval);
  const key = options.key ?? ((request: Request) => (request as { ip?: string }).ip ?? 'unknown');
  // One budget per client (`key`), released once idle: @rateLimit's sliding window in process,
  // or its Redis engine on each client's own hash tag (one script per request, Redis's clock).
  const limitOptions: RateLimitOptions = {
    limit,
    interval,
    key: (k: string) => k,
    onLimit: 'reject',
  };
  if (redis !== undefined) {
    limitOptions.engine = 'redis';
    // A request is admitted when Redis decides (nothing starts later), so the window is
    // exactly `interval` on Redis's clock, as the 429's `Retry-After` and policy say.
    // (Anything but an object is left as it is, for the option check to name.)
    limitOptions.redis =
      typeof redis === 'object' && redis !== null
        ? ({ ...redis, [COUNT_DECISIONS]: true } as RedisLimiterOptions)
        : redis;
  }
  // Checked here too, so that a bad `redis` option is named with this function (`rateLimit`
  // would name the inner `admit`).
  resolveRateLimitOptions(site, limitOptions);
  const admit = bindHotpath(
    rateLimit(limitOptions)(async function admit(_key: string): Promise<void> {}),
    registry,
  );
  const take = async (k: string): Promise<LimitVerdict> => {
    try {
      await admit(k);
      return { allowed: true, retryAfter: 0 };
    } catch (error) {
      if (!isHotpathError(error, 'E_RATE_LIMITED')) throw error;
      return {
        allowed: false,
        retryAfter: (error as unknown as { retryAfter?: number }).retryAfter ?? 0,
      };
    }
  };
  return { limit, interval, key, name, take };
}

/** Counts `request`; the refusal to send when it is over its client's limit. */
async function verdict<Request>(
  checked: Checked<Request>,
  request: Request,
): Promise<Refusal | undefined> {
  const client = checked.key(request);
  if (client === undefined) return undefined;
  const result = await checked.take(client);
  if (result.allowed) return undefined;
  return {
    status: 429,
    headers: rateLimitHeaders({
      retryAfter: result.retryAfter,
      limit: checked.limit,
      interval: checked.interval,
      remaining: 0,
      name: checked.name,
    }),
    body: { statusCode: 429, message: 'Too Many Requests', error: 'Too Many Requests' },
  };
}

/** The parts of Express's (or Node's) request and response the middleware uses. */
interface ExpressLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

/**
 * Express (or Connect) middleware: `app.use(expressRateLimit({ limit: 100, interval: '1m' }))`,
 * or on one route. A client over its limit gets 429 with `Retry-After`, `RateLimit` and
 * `RateLimit-Policy` and a JSON body `{ statusCode, message, error }`; the others go on. A Redis
 * failure (`E_STORE`, with the default `whenUnreachable: 'fail-closed'`) goes to `next(error)`. The key defaults to `req.ip` (set Express's `trust proxy` behind
 * a proxy). Bad options throw a `TypeError` here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function expressRateLimit<Request = any>(
  options: HttpRateLimitOptions<Request>,
): (request: Request, response: ExpressLike, next: (error?: unknown) => void) => void {
  const checked = check(options, { where: 'expressRateLimit' });
  return (request, response, next) => {
    verdict(checked, request).then((refusal) => {
      if (refusal === undefined) return next();
      response.statusCode = refusal.status;
      for (const [name, value] of Object.entries(refusal.headers)) response.setHeader(name, value);
      response.setHeader('Content-Type', 'application/json; charset=utf-8');
      response.end(JSON.stringify(refusal.body));
    }, next);
  };
}

/** The parts of Fastify's reply the hook uses. */
interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(body: unknown): unknown;
}

/**
 * A Fastify `onRequest` hook: `app.addHook('onRequest', fastifyRateLimit({ limit: 100, interval: '1m' }))`,
 * or in a route's `onRequest`. Same answers as {@link expressRateLimit}; a Redis failure
 * rejects the hook (Fastify's error handler answers). The key defaults to `request.ip`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function fastifyRateLimit<Request = any>(
  options: HttpRateLimitOptions<Request>,
): (request: Request, reply: FastifyReplyLike) => Promise<unknown> {
  const checked = check(options, { where: 'fastifyRateLimit' });
  return async (request, reply) => {
    const refusal = await verdict(checked, request);
    if (refusal === undefined) return undefined;
    // An async hook that answers returns the reply, so that Fastify stops the request there.
    return reply.code(refusal.status).headers(refusal.headers).send(refusal.body);
  };
}
