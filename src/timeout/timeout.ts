/**
 * `@timeout(ms | { ms })`: the caller's promise rejects with {@link TimeoutError}
 * (`code: 'E_TIMEOUT'`) when the method has not settled within `ms`.
 *
 * - The timer is cleared as soon as the method settles, and it is `unref`'d: a pending
 *   `@timeout` call never keeps the process alive by itself (if nothing else is left to do,
 *   the process exits without waiting for the timeout).
 * - The method is not stopped (JavaScript cannot cancel a promise): its late result is
 *   dropped and its late rejection is handled by hotpath, never an unhandled rejection.
 *   Passing an `AbortSignal` to the method on timeout is not offered (out of scope).
 * - Stacking: `@retry(...) @timeout(...)` bounds each try (the `TimeoutError` is retried);
 *   `@timeout(...) @retry(...)` bounds all tries together.
 *
 * Events on the `hotpath:event` channel (`decorator: 'timeout'`):
 * - `timeout` — the limit passed (`{ ms }`);
 * - `late` — a method that had timed out settled afterwards (`{ ms, outcome: 'ok' | 'error' }`).
 *
 * Figures (`registry.stats().methods[...].timeout`): `calls`, `timeouts`.
 */
import { publishEvent } from '../core/channels.js';
import { unrefTimeout } from '../core/clock.js';
import { createDecorator, type HotpathDecorator } from '../core/intercept.js';
import {
  DURATION_EXPECTED,
  checkOptionsObject,
  durationOption,
  optionError,
  type Duration,
  type OptionSite,
} from '../core/options.js';
import type { Invoke, Layer, SiteInfo } from '../core/site.js';
import { figuresCache } from '../core/state.js';
import { TimeoutError } from '../errors.js';
import type { Runtime } from '../core/runtime.js';
import type { PromiseMethod } from '../retry/retry.js';
import { isThenable } from '../core/thenable.js';

/** Options of `@timeout` (the object form of `@timeout(ms)`). */
export interface TimeoutOptions {
  /** The limit: a positive duration (milliseconds, or a string like `'5s'`). Required. */
  ms: Duration;
}

/** Figures of one `@timeout` method in one registry. */
export interface TimeoutFigures {
  /** Calls made. */
  calls: number;
  /** Calls that timed out. */
  timeouts: number;
}

function newFigures(): TimeoutFigures {
  return { calls: 0, timeouts: 0 };
}

/** Validates the argument of `@timeout` on `site`; returns the limit in milliseconds. */
function resolveTimeoutMs(site: OptionSite, value: unknown): number {
  let ms = value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    checkOptionsObject(site, value, ['ms']);
    ms = (value as { ms?: unknown }).ms;
  }
  // There is no default limit: a missing `ms` is an error like a wrong one.
  if (ms === undefined)
    throw optionError(site, 'ms', `a positive ${DURATION_EXPECTED.slice(2)}`, ms);
  return durationOption(site, 'ms', ms, undefined, { positive: true })!;
}

function timeoutLayer(ms: number): Layer {
  let site!: SiteInfo;
  const figuresOfRegistry = figuresCache('timeout', newFigures);
  const figuresOf = (registry: Runtime): TimeoutFigures => figuresOfRegistry(registry, site);

  return {
    decorator: 'timeout',
    async: true,
    wrap(inner: Invoke, s: SiteInfo): Invoke {
      site = s;
      return (call) => {
        const registry = call.runtime;
        const figures = figuresOf(registry);
        figures.calls++;
        let result: unknown;
        try {
          result = inner(call);
        } catch (error) {
          return Promise.reject(error);
        }
        if (!isThenable(result)) return result;
        const clock = registry.clock;
        const method = site.name;
        return new Promise((resolve, reject) => {
          let timedOut = false;
          const handle = unrefTimeout(
            clock,
            () => {
              timedOut = true;
              figures.timeouts++;
              publishEvent('timeout', 'timeout', site, { ms });
              reject(new TimeoutError(`${method} timed out after ${ms} ms`, ms, { method }));
            },
            ms,
          );
          // Both handlers stay attached after a timeout, so a late rejection is handled here.
          result.then(
            (value) => {
              if (timedOut) return publishEvent('timeout', 'late', site, { ms, outcome: 'ok' });
              clock.clearTimeout(handle);
              resolve(value);
            },
            (error: unknown) => {
              if (timedOut) return publishEvent('timeout', 'late', site, { ms, outcome: 'error' });
              clock.clearTimeout(handle);
              reject(error);
            },
          );
        });
      };
    },
    control: {
      stats: (ctx) => ({ ms, ...ctx.runtime.metric(ctx.site, 'timeout', newFigures) }),
    },
  };
}

/**
 * `@timeout(ms)` or `@timeout({ ms })` on a method returning a promise (anything else is a
 * compile error): the caller's promise rejects with `TimeoutError` (`E_TIMEOUT`, message
 * `UserService.getUser timed out after 5000 ms`, fields `ms` and `method`) when the method
 * has not settled in `ms`. The timer never keeps the process alive and is cleared on settle.
 * `ms` is a positive {@link Duration}.
 *
 * Cost per call: one promise, one timer set and cleared, two handlers.
 *
 * @example
 * class Upstream { @timeout('2s') async fetchUser(id: string): Promise<User> { ... } }
 * const bounded = timeout(500)(fetchJson); // functional form
 */
export function timeout(ms: Duration | TimeoutOptions): HotpathDecorator<PromiseMethod> {
  return createDecorator<PromiseMethod>({
    name: 'timeout',
    layer(site) {
      return timeoutLayer(resolveTimeoutMs(site, ms));
    },
  });
}
