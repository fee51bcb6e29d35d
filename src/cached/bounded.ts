/**
 * A bounded shared-tier operation: every store and lock call of `@cached` goes through
 * {@link bounded}, so that a frozen store costs a caller `storeTimeout`, never more.
 *
 * Cost: no timer per call. The calls waiting on one clock share one timer (see
 * {@link Schedule}), armed for their earliest deadline: 100 reads through Redis in flight, or
 * reads one at a time, arm about one timer per `storeTimeout` instead of one each (measured:
 * a timer armed and cleared per read cost about 3 µs of CPU per sequential read, most of it
 * outside JavaScript). Deadlines are taken on the clock's monotonic time (`monotonicNow`,
 * which the system clock has and Jest's fake timers fake with it), so a wall clock stepped
 * back cannot hold a caller. A clock without it gets one timer per call: its own timers decide.
 */
import { monotonicReader, unrefTimeout, type Clock } from '../core/clock.js';

/** What {@link bounded} rejects with when `fn()` took too long (counted apart from failures). */
export class StoreTimeout extends Error {}

/** One caller waiting for its operation: a node of its {@link Timetable}'s list. */
class Wait {
  prev: Wait | undefined = undefined;
  next: Wait | undefined = undefined;
  /** Its schedule (clocks with monotonic time). */
  schedule: Schedule | undefined = undefined;
  /** Its own timer (clocks without monotonic time). */
  timer: unknown = undefined;
  done = false;

  constructor(
    readonly table: Waits,
    readonly deadline: number,
    readonly ms: number,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {}

  /** The operation settled first: hand its outcome over, and stop waiting for the deadline. */
  settle(ok: boolean, value: unknown): void {
    if (this.done) return;
    this.done = true;
    this.table.remove(this);
    if (ok) this.resolve(value);
    else this.reject(value);
  }

  /** The deadline came first: the caller gets a `StoreTimeout`; a late settlement is absorbed. */
  expire(): void {
    if (this.done) return;
    this.done = true;
    this.table.remove(this);
    this.reject(new StoreTimeout(`timed out after ${this.ms} ms`));
  }
}

/** Where the waits of one clock (and keep-alive kind) are kept until they settle or expire. */
interface Waits {
  /** The clock's monotonic time, for deadlines. */
  readonly now: () => number;
  add(wait: Wait): void;
  remove(wait: Wait): void;
}

/** Arms a timer on `clock` that keeps the process alive or not. */
function arm(clock: Clock, keepAlive: boolean, fn: () => void, ms: number): unknown {
  return keepAlive ? clock.setTimeout(fn, ms) : unrefTimeout(clock, fn, ms);
}

/** A timer handle's `ref`/`unref`, where the clock's handles have them (Node's do). */
interface Refable {
  ref?: () => void;
  unref?: () => void;
}

/**
 * Waits of one clock with monotonic time under one timer, armed for the earliest of their
 * deadlines (deadlines of waits of one length come in order, so in practice the first's). The
 * timer outlives the waits: when the last leaves it is only unref'd, and the next wait, whose
 * deadline is later, takes it over, so reads one at a time arm about one timer per
 * `storeTimeout`, not one each. Tied to the timers in place when it was made
 * ({@link Timetable} starts another when they change).
 */
class Schedule {
  #head: Wait | undefined = undefined;
  #tail: Wait | undefined = undefined;
  #timer: unknown = undefined;
  /** The deadline the timer is armed for (Infinity: none armed). */
  #armedFor = Number.POSITIVE_INFINITY;
  /** Whether the timer holds the process (only while a wait that keeps it alive is here). */
  #refed = false;
  /** The global `setTimeout` when this was made: Jest's fake timers replace it. */
  readonly timers = globalThis.setTimeout;

  constructor(readonly table: Timetable) {}

  add(wait: Wait, now: number): void {
    wait.schedule = this;
    wait.prev = this.#tail;
    if (this.#tail) this.#tail.next = wait;
    else this.#head = wait;
    this.#tail = wait;
    // An armed timer long past its deadline was lost (`jest.clearAllTimers()`): arm another.
    if (wait.deadline < this.#armedFor || now > this.#armedFor + LOST_MS) {
      this.#arm(wait.deadline, wait.ms);
    } else if (!this.#refed && this.table.keepAlive) {
      (this.#timer as Refable).ref?.();
      this.#refed = true;
    }
  }

  remove(wait: Wait): void {
    const { prev, next } = wait;
    if (prev) prev.next = next;
    else this.#head = next;
    if (next) next.prev = prev;
    else this.#tail = prev;
    wait.prev = wait.next = undefined;
    if (this.#head !== undefined || this.#timer === undefined || !this.#refed) return;
    const timer = this.#timer as Refable;
    if (timer.unref) {
      timer.unref();
      this.#refed = false;
    } else {
      // A handle that cannot let go of the process: clear it.
      this.table.clock.clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#armedFor = Number.POSITIVE_INFINITY;
      this.#refed = false;
    }
  }

  #arm(deadline: number, delay: number): void {
    const { clock, keepAlive } = this.table;
    if (this.#timer !== undefined) clock.clearTimeout(this.#timer);
    this.#armedFor = deadline;
    this.#timer = arm(clock, keepAlive, this.#fire, Math.max(0, Math.ceil(delay)));
    this.#refed = keepAlive;
  }

  /** Expires every wait whose deadline has come; re-arms for the earliest of the others. */
  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    this.#refed = false;
    const now = this.table.now();
    let next = Number.POSITIVE_INFINITY;
    for (let wait = this.#head; wait !== undefined;) {
      const after = wait.next;
      if (wait.deadline <= now) wait.expire();
      else if (wait.deadline < next) next = wait.deadline;
      wait = after;
    }
    // A timer may fire a little early (Node counts from the loop time when it was armed).
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next, next - now);
  };
}

/** How far past its deadline an armed timer that has not fired counts as lost. */
const LOST_MS = 1_000;

/**
 * The waits of a clock with monotonic time, in one {@link Schedule}; a new one when the
 * global timers changed (a test installed or removed Jest's fake timers), so that no wait
 * relies on a timer of timers that are gone. The old schedule's waits stay with its timer.
 */
class Timetable implements Waits {
  readonly now: () => number;
  #schedule: Schedule;

  constructor(
    readonly clock: Clock,
    readonly keepAlive: boolean,
  ) {
    this.now = monotonicReader(clock);
    this.#schedule = new Schedule(this);
  }

  add(wait: Wait): void {
    let schedule = this.#schedule;
    if (schedule.timers !== globalThis.setTimeout) schedule = this.#schedule = new Schedule(this);
    schedule.add(wait, wait.deadline - wait.ms);
  }

  remove(wait: Wait): void {
    wait.schedule!.remove(wait);
  }
}

/** One timer per wait, for a clock without monotonic time: its timers alone decide. */
class OwnTimers implements Waits {
  readonly now = (): number => 0;

  constructor(
    readonly clock: Clock,
    readonly keepAlive: boolean,
  ) {}

  add(wait: Wait): void {
    wait.timer = arm(this.clock, this.keepAlive, () => wait.expire(), wait.ms);
  }

  remove(wait: Wait): void {
    if (wait.timer !== undefined) this.clock.clearTimeout(wait.timer);
  }
}

/** The waits of each clock: `[keeping the process alive, not]`. */
const waitsOf = new WeakMap<Clock, [Waits, Waits]>();
/** The last clock looked up (nearly every call uses the registry's one clock). */
let lastClock: Clock | undefined;
let lastWaits: [Waits, Waits] | undefined;

function waitsFor(clock: Clock, keepAlive: boolean): Waits {
  let pair = clock === lastClock ? lastWaits : waitsOf.get(clock);
  if (pair === undefined) {
    const Kind = clock.monotonicNow ? Timetable : OwnTimers;
    pair = [new Kind(clock, true), new Kind(clock, false)];
    waitsOf.set(clock, pair);
  }
  lastClock = clock;
  lastWaits = pair;
  return pair[keepAlive ? 0 : 1];
}

/**
 * Settles with `fn()`'s result, or rejects with a `StoreTimeout` after `ms`; a late settlement
 * of `fn()` is absorbed (never an unhandled rejection).
 *
 * `keepAlive`: whether the timer keeps the process alive. True when a caller awaits the
 * answer: a script awaiting a call whose store hangs must get its answer after `ms`, not see
 * the process end under it. False for background work (writes nobody awaits), which must
 * never hold a process open.
 */
export function bounded<T>(
  fn: () => T | PromiseLike<T>,
  ms: number,
  clock: Clock,
  keepAlive = true,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const table = waitsFor(clock, keepAlive);
    const wait = new Wait(table, table.now() + ms, ms, resolve as (value: unknown) => void, reject);
    table.add(wait);
    try {
      Promise.resolve(fn()).then(
        (value) => wait.settle(true, value),
        (error: unknown) => wait.settle(false, error),
      );
    } catch (error) {
      wait.settle(false, error);
    }
  });
}
