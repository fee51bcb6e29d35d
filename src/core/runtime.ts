/**
 * What decorators need of a registry, and the only way they reach one: core and the decorators
 * depend on this contract, and `registry/hotpath.ts` implements it (one object per registry,
 * off its public class). A call finds its runtime through `call.runtime` (`core/runtime-of.ts`
 * maps owners to runtimes), so no decorator imports the registry, and a decorator written
 * outside hotpath gets the same services as the built-in ones.
 */
import type { Clock } from './clock.js';
import type { HotpathError } from '../errors.js';
import type { SiteInfo } from './site.js';
import type {
  CacheStore,
  InvalidationBus,
  InvalidationTarget,
  Invalidator,
  SingleFlightLock,
} from './services.js';

/** When a shutdown task runs: `flush` (pending work) first, then `stop` (limiters, timers), then stores close. */
export type ShutdownPhase = 'flush' | 'stop';

/**
 * Work for `registry.shutdown()`, registered with {@link Runtime.onShutdown}. A plain function
 * is a task with `run` only.
 */
export interface ShutdownTask {
  /** Runs the work (dispatches, flushes, stops); shutdown waits for what it returns. */
  run(): unknown;
  /**
   * Whether work is still pending after `run` settled (`flush` tasks): while any task says so,
   * the flush runs another round. Default: never.
   */
  pending?(): boolean;
  /**
   * At the deadline: rejects what is still pending with `error(method)` (an `E_SHUTDOWN`
   * `HotpathError`) and says what that was. Must not throw. Without it, a task whose `run` has
   * not settled is listed as `{ decorator: 'onShutdown', pending: 1, detail }`.
   */
  abandon?(error: (method: string) => HotpathError): AbandonedWork[];
}

/** Context handed to `error` listeners with each error. */
export interface ErrorInfo {
  /** The decorator that caught it, e.g. `'cached'`. */
  decorator?: string;
  /** `ClassName.method`. */
  method?: string;
  /** The store name, for `E_STORE` errors. */
  store?: string;
}

/** Payload of the registry's `slow` event. */
export interface SlowCallEvent {
  /** `ClassName.method` (or the `@profile` name). */
  method: string;
  /** How long the call took, in milliseconds. */
  durationMs: number;
  /** The threshold it exceeded, in milliseconds. */
  thresholdMs: number;
  /** Whether the call ended in an error. */
  error: boolean;
}

/** Listener signatures of `registry.on()`. */
export interface HotpathEvents {
  error: (error: Error, info: ErrorInfo) => void;
  slow: (event: SlowCallEvent) => void;
}

/** One piece of work `shutdown()` gave up at its timeout. */
export interface AbandonedWork {
  /**
   * The decorator whose work it was (`'batched'`, `'debounce'`, `'throttle'`, `'cached'`, ...;
   * `'rateLimit'` for a limiter still stopping, named in `detail`), or `'onShutdown'` for a hook
   * added with `registry.onShutdown()` that had not settled.
   */
  decorator: string;
  /** The decorated method (`ClassName.method`), when the work belongs to one. */
  method?: string;
  /**
   * How much was given up, in the decorator's unit: batches for `@batched`, invocations for
   * `@debounce`/`@throttle` (the callers folded into one share its promise), background
   * operations for `@cached`, hooks for `'onShutdown'`.
   */
  pending: number;
  /** The same in words, for logs: `'1 batch of 3 items not finished (2 callers rejected)'`. */
  detail: string;
}

/**
 * Filled by the registry module (`declare module` in `registry/hotpath.ts`) with the type of its
 * public class, so that `call.registry` is typed as the registry users hold although core does
 * not import it. Empty when core is compiled on its own.
 *
 * @public (used through declaration merging, which knip does not follow)
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface RegistryTypes {}

/** The registry users hold (`Hotpath`), as declared through {@link RegistryTypes}; else {@link Runtime}. */
export type PublicRegistry = RegistryTypes extends { readonly registry: infer R } ? R : Runtime;

/**
 * A registry as decorators see it: its configuration (stores, limiters, bus, lock, clock), where
 * they report figures and errors, and who flushes their pending work on shutdown.
 */
export interface Runtime {
  /** The registry users hold (`call.registry`): its public face, without these hooks. */
  readonly registry: PublicRegistry;
  /** Name used in reports and warnings. */
  readonly name: string;
  /** Named shared cache tiers (`@cached({ store })`). */
  readonly stores: Readonly<Record<string, CacheStore>>;
  /** Named limiters (`@rateLimit({ limiter })`). */
  readonly limiters: Readonly<Record<string, object>>;
  /** Named pools (`@withResource('db')`): made by `pool()` or `objectPool()`. */
  readonly pools: Readonly<Record<string, object>>;
  /** The cross-process invalidation bus, if any. */
  readonly bus: InvalidationBus | undefined;
  /** The cross-process single-flight lock, if any. */
  readonly lock: SingleFlightLock | undefined;
  /** The time source. */
  readonly clock: Clock;
  /** True once `shutdown()` was called: new calls are refused with `E_SHUTDOWN`. */
  readonly closed: boolean;

  /**
   * Whether a call arriving now must be refused: after `shutdown()`, except calls made by the
   * shutdown's own flush work (a flushed batch body calling a decorated repository).
   */
  refuses(): boolean;
  /** The error thrown (or rejected with) by a call to `method` refused after `shutdown()`. */
  shutdownError(method: string): HotpathError;

  /**
   * The figures object of decorator `decorator` on `method`, created by `create` on first use
   * and the same object afterwards: decorators keep a reference and update it in place.
   * `stats()` serializes it (through `toJSON()` if it has one) under the method's name.
   *
   * `method` is the decorated method's {@link SiteInfo} (two classes that happen to share a name
   * keep separate figures), or a plain name to aggregate several methods on purpose
   * (`@profile({ name })`). A site's figures are held as long as the site is; figures under a
   * plain name stay for the registry's life.
   */
  metric<T extends object>(method: string | SiteInfo, decorator: string, create: () => T): T;
  /** Adds a registry-wide section to `stats()` (e.g. `memory`); returns a remover. */
  section(name: string, read: () => unknown): () => void;

  /**
   * Reports an error nobody awaits. With `error` listeners, each gets it; without, it is
   * written once per kind (code and decorator) as a process warning. Never throws.
   */
  emitError(error: unknown, info?: ErrorInfo): void;
  /** Reports a slow call to `slow` listeners (no fallback: slowness is not an error). */
  emitSlow(event: SlowCallEvent): void;
  /** Whether anyone listens to `event` (lets `@profile` skip building events). */
  hasListeners(event: keyof HotpathEvents): boolean;

  /**
   * Registers an invalidation receiver (done by `@cached`); returns a remover. With `owner`,
   * the registry holds it only as long as `owner` is reachable from elsewhere; without, until
   * removed.
   */
  addInvalidator(invalidator: Invalidator, owner?: object): () => void;
  /**
   * Invalidates matching entries in every tier of every `@cached` method of the registry, and,
   * with a bus, in every other process. Never rejects.
   */
  invalidate(target: InvalidationTarget): Promise<void>;

  /**
   * Registers work for `shutdown()`: `flush` tasks (pending batches, trailing debounced
   * calls) run first, in rounds until none reports pending work, then `stop` tasks (limiters,
   * timers). Returns a remover.
   *
   * With `owner`, the registry holds the task only as long as `owner` is reachable from
   * elsewhere: pass the object that holds the pending work the task flushes, one that every
   * pending timer or promise of that work refers to.
   */
  onShutdown(
    task: ShutdownTask | (() => unknown),
    phase?: ShutdownPhase,
    owner?: object,
  ): () => void;
}
