/**
 * The timing engine behind `@debounce` and `@throttle`: lodash's `debounce` algorithm, step
 * for step, with per-owner (and per-key) state and promises for the callers.
 *
 * `@throttle` is this engine with `maxWait = wait` and `leading: true` by default, exactly as
 * lodash's `throttle` is its `debounce`.
 *
 * The timing fields and transitions (`lastCallTime`, `lastInvokeTime`, `shouldInvoke`,
 * `remainingWait`, leading edge, trailing edge, the "tight loop" restart under `maxWait`,
 * `cancel` and `flush`) mirror lodash 4.17/4.18 `debounce.js` one to one, including its
 * quirks: `flush()` does not clear the running timer (it fires later and only re-checks), and
 * the trailing edge runs only if the method was called again after the leading invocation.
 * The test suite drives this engine and lodash with the same random call schedules and
 * compares invocation times and arguments.
 *
 * What hotpath adds:
 * - Each caller gets a promise of the invocation its call was folded into. Callers waiting for
 *   the same invocation share ONE promise object ({@link SharedResult}); a call that joins a
 *   waiting group allocates nothing. A call that will never run (`trailing: false`) gets the
 *   promise of the last invocation (lodash's return value), or a promise of `undefined`.
 * - A rejected invocation that no caller handles goes to `registry.emitError()`, never to an
 *   unhandled rejection; cancelled callers reject with `E_CANCELLED`, silently if nobody listens.
 * - Per-key state (`key`): keys whose state is back to "fresh" are released.
 * - `registry.shutdown()` flushes every pending trailing invocation of the registry.
 *
 * Events on `hotpath:event` (decorator `debounce` or `throttle`):
 * - `invoke` `{ edge: 'leading' | 'maxWait' | 'trailing' | 'flush' | 'shutdown' }`: the method runs;
 * - `cancel` `{ pending: boolean }`: `control().cancel()` dropped the owner's pending work.
 */
import type { Call } from '../core/call.js';
import { publishEvent } from '../core/channels.js';
import { unrefTimeout, type Clock } from '../core/clock.js';
import { mapKey } from '../core/key.js';
import type { ControlContext, Invoke, LayerControl, SiteInfo } from '../core/site.js';
import { PerOwner } from '../core/state.js';
import { HotpathError } from '../errors.js';
import { runtimeOf } from '../core/runtime-of.js';
import { PerRuntime } from '../core/per-runtime.js';
import type { AbandonedWork, Runtime } from '../core/runtime.js';
import { guardRejection, silenceRejection, whenSettled } from '../core/observed-promise.js';
import { SharedResult } from './shared-result.js';
import { isThenable } from '../core/thenable.js';

/** The resolved timing options of one decorated method. */
export interface TimingSettings {
  /** Milliseconds of quiet before the trailing invocation. */
  readonly wait: number;
  /** Longest a call may be deferred, in ms; `undefined` when unbounded (debounce without `maxWait`). */
  readonly maxWait: number | undefined;
  /** Invoke on the leading edge. */
  readonly leading: boolean;
  /** Invoke on the trailing edge (if called again during the wait). */
  readonly trailing: boolean;
  /** Separate state per `key(...args)`, or one state per owner when undefined. */
  readonly key: ((...args: never[]) => unknown) | undefined;
}

/**
 * Figures of one decorated method in one registry (`registry.stats().methods[m].debounce`):
 * `calls` received, `invocations` of the method, `folded` = calls that did not cause an
 * invocation of their own (the calls saved), `cancelled` = pending invocations dropped by
 * `cancel()`, and with `key`, `keys` = key streams currently held (idle ones are released).
 */
class TimingFigures {
  calls = 0;
  invocations = 0;
  cancelled = 0;
  keys = 0;
  readonly #keyed: boolean;

  constructor(keyed: boolean) {
    this.#keyed = keyed;
  }

  /** Calls saved: `calls - invocations`. */
  get folded(): number {
    return this.calls - this.invocations;
  }

  toJSON(): Record<string, number> {
    const out: Record<string, number> = {
      calls: this.calls,
      invocations: this.invocations,
      folded: this.folded,
      cancelled: this.cancelled,
    };
    if (this.#keyed) out.keys = this.keys;
    return out;
  }
}

/** What every state of one method in one registry shares. */
class RegistryScope {
  readonly registry: Runtime;
  readonly clock: Clock;
  readonly figures: TimingFigures;
  /** States whose timer runs (lodash's `timerId !== undefined`): what shutdown flushes. */
  readonly active = new Set<TimingState>();
  /** Invocations still running (async methods): what shutdown waits for besides the flush. */
  readonly inflight = new Set<SharedResult>();
  /** States with timers lodash's `flush` left running (see {@link TimingState.strays}). */
  readonly strays = new Set<TimingState>();

  constructor(engine: TimingEngine, registry: Runtime) {
    this.registry = registry;
    this.clock = registry.clock;
    this.figures = registry.metric(
      engine.site,
      engine.decorator,
      () => new TimingFigures(engine.keyed),
    );
    // Held while this scope is reachable: every pending timer reaches it through its state,
    // every running invocation through the reaction that removes it from `inflight`.
    registry.onShutdown(
      {
        run: () => engine.shutdownFlush(this),
        pending: () => this.active.size > 0 || this.inflight.size > 0,
        abandon: (error) => engine.abandon(this, error(engine.site.name)),
      },
      'flush',
      this,
    );
  }
}

/** The keyed states of one owner. */
interface KeyedStates {
  readonly scope: RegistryScope;
  readonly map: Map<unknown, TimingState>;
}

/** One debounced stream: lodash's closure variables, per owner (and key). */
class TimingState {
  /** lodash `timerId`: the timer the state currently relies on. */
  timer: unknown = undefined;
  /** Physical timers still scheduled, including ones lodash's `flush` leaves behind. */
  timers = 0;
  /** lodash `lastArgs`/`lastThis`: the call the next invocation runs with. */
  lastCall: Call | undefined = undefined;
  lastCallTime: number | undefined = undefined;
  lastInvokeTime = 0;
  /** lodash `result`: the promise of the last invocation. */
  result: SharedResult | undefined = undefined;
  /** The promise of the callers waiting for the next invocation. */
  group: SharedResult | undefined = undefined;
  /** Whether a release check is scheduled (keyed states only). */
  releasing = false;
  /** Whether a shutdown flush of this state is scheduled. */
  flushing = false;
  /**
   * Handles of physical timers the state no longer refers to as `timer` (lodash's `flush`
   * leaves the running timer behind; a timer firing early re-arms over the current one), some
   * of which may have fired already. Shutdown clears them: a `wait` of an hour would otherwise
   * keep the process alive that long after `shutdown()`. Dropped once no timer is left.
   */
  strays: unknown[] | undefined = undefined;
  readonly scope: RegistryScope;
  readonly expire: () => void;
  /** For keyed states: where to remove this state from once idle. */
  readonly keyed: KeyedStates | undefined;
  readonly key: unknown;

  constructor(engine: TimingEngine, scope: RegistryScope, keyed?: KeyedStates, key?: unknown) {
    this.scope = scope;
    this.keyed = keyed;
    this.key = key;
    this.expire = () => engine.timerExpired(this);
  }
}

const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);

type Edge = 'leading' | 'maxWait' | 'trailing' | 'flush' | 'shutdown';

/**
 * One decorated method's engine: built by the layer's `wrap()` (once per method), it owns the
 * per-owner states and answers `control()` operations.
 */
export class TimingEngine {
  readonly decorator: 'debounce' | 'throttle';
  readonly site: SiteInfo;
  /** Whether states are per key (the `key` option). */
  readonly keyed: boolean;
  /** The per-call entry point (the layer's invoker). */
  readonly invoke: Invoke;
  readonly #inner: Invoke;
  readonly #wait: number;
  readonly #maxing: boolean;
  readonly #maxWait: number;
  readonly #leading: boolean;
  readonly #trailing: boolean;
  readonly #key: ((...args: unknown[]) => unknown) | undefined;
  readonly #scopes = new PerRuntime((registry) => new RegistryScope(this, registry));
  readonly #single: PerOwner<TimingState>;
  readonly #perKey: PerOwner<KeyedStates>;

  constructor(
    decorator: 'debounce' | 'throttle',
    settings: TimingSettings,
    inner: Invoke,
    site: SiteInfo,
  ) {
    this.decorator = decorator;
    this.site = site;
    this.#inner = inner;
    this.#wait = settings.wait;
    this.#maxing = settings.maxWait !== undefined;
    this.#maxWait = settings.maxWait ?? 0;
    this.#leading = settings.leading;
    this.#trailing = settings.trailing;
    this.#key = settings.key as ((...args: unknown[]) => unknown) | undefined;
    this.keyed = this.#key !== undefined;
    this.#single = new PerOwner((owner) => new TimingState(this, this.#scope(owner)));
    this.#perKey = new PerOwner((owner) => ({ scope: this.#scope(owner), map: new Map() }));
    this.invoke =
      this.#key === undefined
        ? (call) => this.#call(this.#single.get(call.owner), call)
        : (call) => this.#call(this.#keyedState(call), call);
  }

  #scope(owner: object): RegistryScope {
    // The owner's registry: the same lookup `call.registry` does, without needing a call.
    return this.#scopes.get(runtimeOf(owner));
  }

  #keyedState(call: Call): TimingState {
    const states = this.#perKey.get(call.owner);
    const key = mapKey(this.#key!.apply(call.instance, call.args), this.site.name);
    let state = states.map.get(key);
    if (state === undefined) {
      states.map.set(key, (state = new TimingState(this, states.scope, states, key)));
      states.scope.figures.keys++;
    }
    return state;
  }

  // ---- lodash's debounce, per state ---------------------------------------------------

  #shouldInvoke(state: TimingState, time: number): boolean {
    const lastCallTime = state.lastCallTime;
    if (lastCallTime === undefined) return true;
    const sinceCall = time - lastCallTime;
    // Activity stopped (trailing edge), the clock went backwards, or maxWait was reached.
    return (
      sinceCall >= this.#wait ||
      sinceCall < 0 ||
      (this.#maxing && time - state.lastInvokeTime >= this.#maxWait)
    );
  }

  #remainingWait(state: TimingState, time: number): number {
    const waiting = this.#wait - (time - state.lastCallTime!);
    return this.#maxing
      ? Math.min(waiting, this.#maxWait - (time - state.lastInvokeTime))
      : waiting;
  }

  #startTimer(state: TimingState, ms: number): void {
    if (state.timer === undefined) state.scope.active.add(state);
    state.timer = state.scope.clock.setTimeout(state.expire, ms);
    state.timers++;
  }

  /** One call of the decorated method: lodash's debounced function, plus the shutdown case. */
  #call(state: TimingState, call: Call): Promise<unknown> {
    const result = this.#debounced(state, call);
    // A call that passed a closed registry is work done by its shutdown (a flushed batch body
    // calling this method): its trailing invocation runs after this tick, not after `wait`, or
    // the shutdown would wait that long for it.
    if (state.timer !== undefined && state.scope.registry.closed) this.#flushSoon(state);
    return result;
  }

  /** Runs the trailing edge of `state` once the current tick's calls have joined it. */
  #flushSoon(state: TimingState): void {
    if (state.flushing) return;
    state.flushing = true;
    // A promise job, not a timer: fake timers do not hold it back.
    void Promise.resolve().then(() => {
      state.flushing = false;
      if (state.timer !== undefined) this.#shutdownEdge(state, state.scope.clock.now());
    });
  }

  /** The hot path: lodash's debounced function, for one state. */
  #debounced(state: TimingState, call: Call): Promise<unknown> {
    const time = state.scope.clock.now();
    const isInvoking = this.#shouldInvoke(state, time);
    state.lastCall = call;
    state.lastCallTime = time;
    state.scope.figures.calls++;
    if (isInvoking) {
      if (state.timer === undefined) {
        // Leading edge: reset the maxWait window and start the trailing timer.
        state.lastInvokeTime = time;
        this.#startTimer(state, this.#wait);
        if (this.#leading) return this.#invokeFunc(state, time, 'leading');
        return this.#waiting(state);
      }
      if (this.#maxing) {
        // Called in a tight loop past maxWait: invoke now, restart the timer.
        state.scope.clock.clearTimeout(state.timer);
        state.timers--;
        state.timer = undefined;
        this.#startTimer(state, this.#wait);
        return this.#invokeFunc(state, time, 'maxWait');
      }
    }
    if (state.timer === undefined) this.#startTimer(state, this.#wait);
    return this.#waiting(state);
  }

  /** What a call that does not invoke now gets: the next invocation's promise, or (no trailing edge) the last one's. */
  #waiting(state: TimingState): Promise<unknown> {
    if (this.#trailing) return (state.group ??= new SharedResult());
    return state.result ?? RESOLVED_UNDEFINED;
  }

  #invokeFunc(state: TimingState, time: number, edge: Edge): SharedResult {
    const call = state.lastCall!;
    state.lastCall = undefined;
    state.lastInvokeTime = time;
    const shared = state.group ?? new SharedResult();
    state.group = undefined;
    state.result = shared;
    state.scope.figures.invocations++;
    publishEvent(this.decorator, 'invoke', this.site, { edge });
    let value: unknown;
    try {
      value = this.#inner(call);
    } catch (error) {
      this.#guard(state, shared);
      shared.reject(error);
      return shared;
    }
    if (isThenable(value)) {
      this.#guard(state, shared);
      const scope = state.scope;
      scope.inflight.add(shared);
      // Refers to the scope (not just its set): keeps the shutdown task until this settles.
      void whenSettled(shared).then(() => scope.inflight.delete(shared));
      // Followed rather than adopted (`resolve(value)`), so that a shutdown that times out can
      // still reject the callers of an invocation that never settles.
      value.then(shared.resolve, shared.reject);
    } else {
      shared.resolve(value);
    }
    return shared;
  }

  #guard(state: TimingState, shared: SharedResult): void {
    const registry = state.scope.registry;
    guardRejection(shared, (error) =>
      registry.emitError(error, { decorator: this.decorator, method: this.site.name }),
    );
  }

  /** A timer fired (the current one, or one lodash's `flush` left behind). */
  timerExpired(state: TimingState): void {
    state.timers--;
    if (state.timers === 0 && state.strays !== undefined) {
      state.strays = undefined;
      state.scope.strays.delete(state);
    }
    const time = state.scope.clock.now();
    if (this.#shouldInvoke(state, time)) {
      this.#trailingEdge(state, time, 'trailing');
      if (state.keyed !== undefined) this.#release(state, false);
      return;
    }
    if (state.timer === undefined) state.scope.active.add(state);
    else if (state.timers > 0) this.#keepStray(state);
    state.timer = state.scope.clock.setTimeout(state.expire, this.#remainingWait(state, time));
    state.timers++;
  }

  /** Remembers `state.timer` before the state lets go of it (see {@link TimingState.strays}). */
  #keepStray(state: TimingState): void {
    (state.strays ??= []).push(state.timer);
    state.scope.strays.add(state);
  }

  /** Clears every timer lodash left behind in `scope` (shutdown: nothing may wait any more). */
  #clearStrays(scope: RegistryScope): void {
    for (const state of scope.strays) {
      for (const handle of state.strays!) scope.clock.clearTimeout(handle);
      state.strays = undefined;
      state.timers = state.timer === undefined ? 0 : 1;
      if (state.keyed !== undefined) this.#release(state, true);
    }
    scope.strays.clear();
  }

  #trailingEdge(state: TimingState, time: number, edge: Edge): SharedResult | undefined {
    state.timer = undefined;
    state.scope.active.delete(state);
    // Only invoke if called since the last invocation (lodash: `lastArgs` is set).
    let result: SharedResult | undefined;
    if (this.#trailing && state.lastCall !== undefined) {
      result = this.#invokeFunc(state, time, edge);
    } else {
      state.lastCall = undefined;
      result = state.result;
    }
    return result;
  }

  /** lodash `cancel()`, plus: the waiting callers reject with `E_CANCELLED`. */
  #cancel(state: TimingState): boolean {
    const group = state.group;
    if (state.timer !== undefined) {
      state.scope.clock.clearTimeout(state.timer);
      state.timers--;
    }
    state.timer = undefined;
    state.scope.active.delete(state);
    state.lastInvokeTime = 0;
    state.lastCall = undefined;
    state.lastCallTime = undefined;
    state.group = undefined;
    if (group !== undefined) {
      state.scope.figures.cancelled++;
      silenceRejection(group);
      group.reject(
        new HotpathError(
          'E_CANCELLED',
          `${this.site.name}: the pending @${this.decorator} invocation was cancelled`,
        ),
      );
    }
    if (state.keyed !== undefined) this.#release(state, false);
    return group !== undefined;
  }

  /**
   * Forgets a keyed state once it is indistinguishable from a new one: no timer left, nothing
   * waiting, and a next call would start a new leading edge (lodash's `shouldInvoke` holds and
   * stays true as time passes). Otherwise re-checks when that becomes true (an unref'd timer).
   * `force` (shutdown: no call can come any more) skips the time condition.
   */
  #release(state: TimingState, force: boolean): void {
    if (state.timers > 0 || state.lastCall !== undefined || state.group !== undefined) return;
    const time = state.scope.clock.now();
    if (force || this.#shouldInvoke(state, time)) {
      const keyed = state.keyed!;
      if (keyed.map.get(state.key) === state) {
        keyed.map.delete(state.key);
        state.scope.figures.keys--;
      }
      return;
    }
    if (state.releasing) return;
    state.releasing = true;
    unrefTimeout(
      state.scope.clock,
      () => {
        state.releasing = false;
        this.#release(state, false);
      },
      this.#remainingWait(state, time),
    );
  }

  // ---- control() and shutdown ---------------------------------------------------------

  #statesOf(owner: object): TimingState[] {
    if (this.#key === undefined) {
      const state = this.#single.peek(owner);
      return state === undefined ? [] : [state];
    }
    const keyed = this.#perKey.peek(owner);
    return keyed === undefined ? [] : [...keyed.map.values()];
  }

  /** `control()` operations on one owner's state (every key of it). */
  readonly control: LayerControl = {
    cancel: (ctx: ControlContext): void => {
      let pending = false;
      for (const state of this.#statesOf(ctx.owner)) pending = this.#cancel(state) || pending;
      publishEvent(this.decorator, 'cancel', this.site, { pending });
    },
    flush: (ctx: ControlContext): Promise<void> => {
      const work: Promise<void>[] = [];
      for (const state of this.#statesOf(ctx.owner)) {
        // lodash `flush()`: the trailing edge now, if a timer runs.
        if (state.timer === undefined) continue;
        this.#keepStray(state);
        const result = this.#trailingEdge(state, state.scope.clock.now(), 'flush');
        if (result !== undefined) work.push(whenSettled(result));
      }
      return Promise.all(work).then(() => undefined);
    },
    pending: (ctx: ControlContext): boolean =>
      this.#trailing && this.#statesOf(ctx.owner).some((s) => s.lastCall !== undefined),
    stats: (ctx: ControlContext): Record<string, unknown> =>
      this.#scope(ctx.owner).figures.toJSON(),
  };

  /**
   * The registry's `flush` shutdown hook (one per registry and method): runs every pending
   * trailing invocation now, clears the timers (no call can arrive after shutdown), and
   * resolves when those invocations, and any still running from before, have settled.
   */
  shutdownFlush(scope: RegistryScope): Promise<void> {
    this.#clearStrays(scope);
    const time = scope.clock.now();
    for (const state of [...scope.active]) this.#shutdownEdge(state, time);
    const work: Promise<void>[] = [];
    for (const running of scope.inflight) work.push(whenSettled(running));
    return Promise.all(work).then(() => undefined);
  }

  /** The pending trailing invocation of `state`, now; its timer is cleared (no call can follow). */
  #shutdownEdge(state: TimingState, time: number): void {
    state.scope.clock.clearTimeout(state.timer);
    state.timers--;
    this.#trailingEdge(state, time, 'shutdown');
    if (state.keyed !== undefined) this.#release(state, true);
  }

  /**
   * The registry's shutdown timed out: invocations still running and calls still waiting are
   * given up; their callers reject with `error` (`E_SHUTDOWN`), reported on `error` when
   * nobody awaits them.
   */
  abandon(scope: RegistryScope, error: unknown): AbandonedWork[] {
    this.#clearStrays(scope);
    let pending = 0;
    for (const state of [...scope.active]) {
      const group = state.group;
      state.group = undefined;
      if (state.timer !== undefined) {
        scope.clock.clearTimeout(state.timer);
        state.timers--;
      }
      state.timer = undefined;
      state.lastCall = undefined;
      scope.active.delete(state);
      if (group !== undefined) {
        pending++;
        this.#guard(state, group);
        group.reject(error);
      }
    }
    for (const running of [...scope.inflight]) {
      pending++;
      running.reject(error);
      scope.inflight.delete(running);
    }
    if (pending === 0) return [];
    return [
      {
        decorator: this.decorator,
        method: this.site.name,
        pending,
        detail: `${pending} ${pending === 1 ? 'invocation' : 'invocations'} not finished`,
      },
    ];
  }
}
