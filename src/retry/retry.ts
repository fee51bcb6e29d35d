/**
 * `@retry(options?)`: tries a promise-returning method again when it fails, waiting a growing,
 * jittered delay between tries; the caller gets one promise that settles with the first
 * success or, when hotpath gives up, with the last error exactly as the method rejected it
 * (not wrapped: like p-retry, so `instanceof` and `code` checks on the caller's side work).
 *
 * Never retried: hotpath's own `E_SHUTDOWN` and `E_CANCELLED` (retrying cannot help), and any
 * failure after the registry started shutting down; a retry wait in progress when
 * `registry.shutdown()` starts is woken at once and the call rejects with its last error, so
 * shutdown never waits out a backoff.
 *
 * Timers come from `registry.clock` (Jest fake timers and injected clocks apply). A retry
 * wait is an ordinary, referenced timer: it is work a caller awaits, so, like p-retry's, it keeps
 * the process alive until the next try.
 *
 * Stacking: `@retry(...) @timeout(...)` (retry written first = outer) bounds each try;
 * `@timeout(...) @retry(...)` bounds all tries together (the retries then continue in the
 * background after the timeout fired, with their outcome ignored: hotpath has no cancellation).
 *
 * Events on the `hotpath:event` channel (`decorator: 'retry'`):
 * - `retry` — a try failed and another follows (`{ attempt, delayMs, error }`);
 * - `recovered` — a retry succeeded (`{ attempts }`: tries used);
 * - `gave-up` — the last allowed try failed (`{ attempts, error }`);
 * - `not-retried` — a failure was not retried (`{ attempt, error, reason }`, reason
 *   `'retryIf'`, `'E_SHUTDOWN'`, `'E_CANCELLED'` or `'shutdown'`).
 *
 * Figures (`registry.stats().methods[...].retry`): `calls`, `retries`, `recovered`, `gaveUp`,
 * `notRetried`.
 */
import type { Call } from '../core/call.js';
import { publishEvent } from '../core/channels.js';
import { createDecorator, type HotpathDecorator } from '../core/intercept.js';
import type { Invoke, Layer, SiteInfo } from '../core/site.js';
import { figuresCache } from '../core/state.js';
import { isHotpathError } from '../errors.js';
import { PerRuntime } from '../core/per-runtime.js';
import type { Runtime } from '../core/runtime.js';
import {
  resolveRetryOptions,
  retryDelay,
  type ResolvedRetryOptions,
  type RetryOptions,
} from './options.js';
import { isThenable } from '../core/thenable.js';

/** Figures of one `@retry` method in one registry. */
export interface RetryFigures {
  /** Calls made (each may use several tries). */
  calls: number;
  /** Retries started (tries after the first). */
  retries: number;
  /** Calls that succeeded after at least one retry. */
  recovered: number;
  /** Calls that failed on their last allowed try. */
  gaveUp: number;
  /** Calls whose failure was not retried (`retryIf`, `E_SHUTDOWN`, `E_CANCELLED`, shutdown). */
  notRetried: number;
}

/** A method returning a promise: what `@retry` and `@timeout` accept. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PromiseMethod = (this: any, ...args: any[]) => PromiseLike<unknown>;

function newFigures(): RetryFigures {
  return { calls: 0, retries: 0, recovered: 0, gaveUp: 0, notRetried: 0 };
}

/** Why a failure is not retried, or undefined when it may be (before `retryIf`). */
function refusal(error: unknown, registry: Runtime): string | undefined {
  if (isHotpathError(error, 'E_SHUTDOWN')) return 'E_SHUTDOWN';
  if (isHotpathError(error, 'E_CANCELLED')) return 'E_CANCELLED';
  if (registry.refuses()) return 'shutdown';
  return undefined;
}

function retryLayer(o: ResolvedRetryOptions): Layer {
  let site!: SiteInfo;
  const figuresOfRegistry = figuresCache('retry', newFigures);
  const figuresOf = (registry: Runtime): RetryFigures => figuresOfRegistry(registry, site);

  // Pending waits per registry, woken by its shutdown (one hook per registry and method).
  const waits = new PerRuntime((registry) => {
    const set = new Set<() => void>();
    // Held while `set` is reachable: every sleeping retry's timer reaches it through `wake`.
    registry.onShutdown(
      () => {
        for (const wake of [...set]) wake();
      },
      'flush',
      set,
    );
    return set;
  });
  const sleep = (registry: Runtime, ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const set = waits.get(registry);
      const wake = (): void => {
        set.delete(wake);
        registry.clock.clearTimeout(handle);
        resolve();
      };
      const handle = registry.clock.setTimeout(wake, ms);
      set.add(wake);
    });

  const notRetried = (
    figures: RetryFigures,
    error: unknown,
    attempt: number,
    reason: string,
  ): never => {
    figures.notRetried++;
    publishEvent('retry', 'not-retried', site, { attempt, error, reason });
    throw error;
  };

  /** Runs the tries after the first one failed with `error`. */
  const again = async (
    inner: Invoke,
    call: Call,
    firstError: unknown,
    registry: Runtime,
    figures: RetryFigures,
  ): Promise<unknown> => {
    let error = firstError;
    // `attempt` is the number of the try that just failed.
    for (let attempt = 1; ; attempt++) {
      if (attempt >= o.attempts) {
        figures.gaveUp++;
        publishEvent('retry', 'gave-up', site, { attempts: attempt, error });
        throw error;
      }
      const refused = refusal(error, registry);
      if (refused) notRetried(figures, error, attempt, refused);
      if (o.retryIf && !(await o.retryIf(error, attempt)))
        notRetried(figures, error, attempt, 'retryIf');
      const delayMs = retryDelay(o, attempt);
      figures.retries++;
      publishEvent('retry', 'retry', site, { attempt, delayMs, error });
      if (o.onRetry) await o.onRetry({ error, attempt, delayMs });
      // Shutdown may have started while `retryIf`/`onRetry` ran: then its hooks have already
      // woken the waits they knew of, so do not start a new one.
      if (registry.refuses()) notRetried(figures, error, attempt, 'shutdown');
      if (delayMs > 0) await sleep(registry, delayMs);
      if (registry.refuses()) notRetried(figures, error, attempt, 'shutdown');
      try {
        const value = await inner(call);
        figures.recovered++;
        publishEvent('retry', 'recovered', site, { attempts: attempt + 1 });
        return value;
      } catch (e) {
        error = e;
      }
    }
  };

  return {
    decorator: 'retry',
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
          return again(inner, call, error, registry, figures);
        }
        // The success path adds one derived promise and nothing else.
        if (!isThenable(result)) return result;
        return result.then(undefined, (error: unknown) =>
          again(inner, call, error, registry, figures),
        );
      };
    },
    control: {
      stats: (ctx) => ({ ...ctx.runtime.metric(ctx.site, 'retry', newFigures) }),
    },
  };
}

/**
 * `@retry(options?)` on a method returning a promise (anything else is a compile error):
 * calls it again when it rejects (or throws), up to `attempts` tries in all, waiting
 * `delay` grown by `backoff`, capped by `maxDelay` and randomised by `jitter` between tries.
 * See {@link RetryOptions} for each option's default and the module comment for stacking
 * with `@timeout`, shutdown and events.
 *
 * Cost on a call that succeeds at once: one derived promise (`then`) and a counter.
 *
 * @example
 * class Upstream {
 *   @retry({ attempts: 4, delay: '200ms', retryIf: (e) => (e as { status?: number }).status !== 404 })
 *   async fetchUser(id: string): Promise<User> { ... }
 * }
 * const fetchWithRetry = retry({ attempts: 5 })(fetchJson); // functional form
 */
export function retry(options?: RetryOptions): HotpathDecorator<PromiseMethod> {
  return createDecorator<PromiseMethod>({
    name: 'retry',
    layer(site) {
      return retryLayer(resolveRetryOptions(site, options));
    },
  });
}
