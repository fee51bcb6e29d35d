/**
 * hotpath's errors as HTTP responses in a Nest application.
 */
import { Catch, HttpStatus, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { HotpathError, RateLimitError } from '../errors.js';
import { rateLimitHeaders } from '../http/rate-limit-headers.js';

/** The status each mapped error code answers with, and its reason phrase. */
const MAPPED: Readonly<Record<string, readonly [number, string]>> = {
  E_RATE_LIMITED: [HttpStatus.TOO_MANY_REQUESTS, 'Too Many Requests'],
  E_TIMEOUT: [HttpStatus.GATEWAY_TIMEOUT, 'Gateway Timeout'],
  E_SHUTDOWN: [HttpStatus.SERVICE_UNAVAILABLE, 'Service Unavailable'],
};

/**
 * An exception filter for {@link HotpathError}s reaching a route:
 *
 * - `RateLimitError` (`E_RATE_LIMITED`) → 429 with `Retry-After` (seconds, at least 1) and
 *   the IETF `RateLimit` and `RateLimit-Policy` headers (the policy when the limit has a rate);
 * - `TimeoutError` (`E_TIMEOUT`) → 504;
 * - `E_SHUTDOWN` (a call after the registry started shutting down) → 503 with `Retry-After: 1`;
 * - any other hotpath error → what Nest does without the filter (500, logged).
 *
 * The body is Nest's shape, `{ statusCode, message, error }`, plus `code`; `message` is the
 * reason phrase, not the error's message (which names classes and methods). Opt in globally
 * (`{ provide: APP_FILTER, useClass: HotpathExceptionFilter }`, or
 * `app.useGlobalFilters(new HotpathExceptionFilter(app.getHttpAdapter()))`) or per controller
 * or route (`@UseFilters(HotpathExceptionFilter)`).
 */
export class HotpathExceptionFilter extends BaseExceptionFilter {
  override catch(exception: HotpathError, host: ArgumentsHost): void {
    const mapped = MAPPED[exception.code];
    const adapter = this.applicationRef ?? this.httpAdapterHost?.httpAdapter;
    if (mapped === undefined || adapter === undefined || host.getType() !== 'http') {
      super.catch(exception, host);
      return;
    }
    const [status, error] = mapped;
    const response: unknown = host.switchToHttp().getResponse();
    let headers: Record<string, string> = {};
    if (exception instanceof RateLimitError) {
      headers = rateLimitHeaders({
        retryAfter: exception.retryAfter,
        limit: exception.policy?.limit,
        interval: exception.policy?.interval,
      });
    } else if (exception.code === 'E_SHUTDOWN') {
      headers = { 'Retry-After': '1' };
    }
    for (const [name, value] of Object.entries(headers)) adapter.setHeader(response, name, value);
    adapter.reply(
      response,
      { statusCode: status, message: error, error, code: exception.code },
      status,
    );
  }
}
// src/ is compiled without decorator syntax: the decorator is applied by hand.
Catch(HotpathError)(HotpathExceptionFilter);
