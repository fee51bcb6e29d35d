/**
 * The headers of a refused request (HTTP 429): `Retry-After` (RFC 9110) and the IETF
 * `RateLimit` / `RateLimit-Policy` fields (draft-ietf-httpapi-ratelimit-headers: structured
 * fields, `q` quota, `w` window in seconds, `r` remaining, `t` seconds until reset).
 */

/** What is known about the limit that refused a request. */
export interface RateLimitState {
  /** Milliseconds until a request would be admitted. */
  readonly retryAfter: number;
  /** Requests allowed per `interval`, when the limit has a rate. */
  readonly limit?: number;
  /** The window, ms. */
  readonly interval?: number;
  /** Requests still allowed in the current window. @default 0 */
  readonly remaining?: number;
  /** The policy's name in the structured fields. @default 'default' */
  readonly name?: string;
}

/**
 * The header fields for `state`. `Retry-After` is in whole seconds, at least 1 (a client told
 * 0 retries at once, into the same refusal); `RateLimit-Policy` is left out when the quota or
 * the window is unknown.
 */
export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  const seconds = Math.max(1, Math.ceil(state.retryAfter / 1000));
  const name = JSON.stringify(state.name ?? 'default');
  const headers: Record<string, string> = {
    'Retry-After': String(seconds),
    RateLimit: `${name};r=${state.remaining ?? 0};t=${seconds}`,
  };
  if (state.limit !== undefined && state.interval !== undefined) {
    const window = Math.max(1, Math.ceil(state.interval / 1000));
    headers['RateLimit-Policy'] = `${name};q=${state.limit};w=${window}`;
  }
  return headers;
}
