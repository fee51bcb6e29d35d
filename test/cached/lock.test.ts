import { afterEach, describe, expect, it, jest } from '@jest/globals';
import Keyv from 'keyv';
import {
  bindHotpath,
  cached,
  control,
  createHotpath,
  withBreaker,
  type SingleFlightLock,
} from '../../src/index.js';
import { ControlledStore } from '../helpers/controlled-store.js';
import { sleepMs } from '../helpers/time.js';

/** An in-process SingleFlightLock: tests @cached's side of distributed single flight, not Redis. */
class FakeLock implements SingleFlightLock {
  readonly held = new Map<string, number>();
  readonly acquired: string[] = [];
  failing = false;
  /** Releases called so far; with `releaseHangs`, they never settle (a frozen Redis). */
  releases = 0;
  releaseHangs = false;
  acquire(key: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
    if (this.failing) return Promise.reject(new Error('lock store down'));
    const until = this.held.get(key);
    if (until !== undefined && until > Date.now()) return Promise.resolve(null);
    this.held.set(key, Date.now() + ttlMs);
    this.acquired.push(key);
    return Promise.resolve(async () => {
      this.releases++;
      if (this.releaseHangs) return new Promise<void>(() => {});
      this.held.delete(key);
    });
  }
}

let runs = 0;

class Reports {
  @cached({ store: 'shared', distributedLock: { wait: '1s', poll: '20ms' } })
  async build(id: string): Promise<string> {
    runs++;
    await sleepMs(100);
    return `report-${id}`;
  }
}

describe('@cached with distributedLock', () => {
  afterEach(() => {
    runs = 0;
    jest.useRealTimers();
  });

  it('runs the method once across processes: the others poll the shared tier for its value', async () => {
    jest.useFakeTimers();
    const store = new Keyv();
    const lock = new FakeLock();
    const processes = [1, 2, 3].map((n) =>
      createHotpath({ name: `p${n}`, stores: { shared: store }, lock }),
    );
    const services = processes.map((p) => bindHotpath(new Reports(), p));
    const calls = services.flatMap((s) => [s.build('q1'), s.build('q1')]);
    await jest.advanceTimersByTimeAsync(200);
    expect(await Promise.all(calls)).toEqual(Array(6).fill('report-q1'));
    expect(runs).toBe(1);
    expect(lock.acquired).toEqual(["hotpath:lock:Reports.build:'q1"]);
    expect(lock.held.size).toBe(0);
    const waited = processes.map(
      (p) => p.stats().methods['Reports.build']!.cached as Record<string, unknown>,
    );
    expect(waited.map((w) => w.lockWaits)).toEqual([0, 1, 1]);
    expect(waited.map((w) => w.hitsByTier)).toEqual([
      { memory: 0, shared: 0 },
      { memory: 0, shared: 1 },
      { memory: 0, shared: 1 },
    ]);
  });

  it("computes once more for the waiters when no tier takes the holder's value (its tag had no mark)", async () => {
    jest.useFakeTimers();
    class Tagged {
      @cached({
        store: 'shared',
        tags: (_r: string, id: string) => [`report:${id}`],
        distributedLock: { wait: '1s', poll: '20ms' },
      })
      async build(id: string): Promise<string> {
        runs++;
        await sleepMs(100);
        return `report-${id}`;
      }
    }
    const store = new Keyv();
    const lock = new FakeLock();
    const processes = [1, 2, 3].map((n) =>
      createHotpath({ name: `p${n}`, stores: { shared: store }, lock }),
    );
    const calls = processes.map((p) => bindHotpath(new Tagged(), p).build('q2'));
    const settled: string[] = [];
    for (const c of calls) void c.then((v) => settled.push(v));
    // The first value under the new tag started before its mark existed: no tier takes it. The
    // holder computes it again under the lock, and the waiters read that one.
    await jest.advanceTimersByTimeAsync(400);
    expect(settled).toEqual(Array(3).fill('report-q2'));
    expect(runs).toBe(2);
    expect(lock.held.size).toBe(0);
    const figures = processes.map(
      (p) => p.stats().methods['Tagged.build']!.cached as Record<string, unknown>,
    );
    expect(figures.map((f) => f.lockWaitTimeouts)).toEqual([0, 0, 0]);
  });

  it('computes itself when nothing lands within wait', async () => {
    jest.useFakeTimers();
    const lock = new FakeLock();
    // Another process holds the lock and never writes.
    lock.held.set("hotpath:lock:Reports.build:'slow", Number.POSITIVE_INFINITY);
    const registry = createHotpath({ stores: { shared: new Keyv() }, lock });
    const svc = bindHotpath(new Reports(), registry);
    let value: string | undefined;
    void svc.build('slow').then((v) => (value = v));
    await jest.advanceTimersByTimeAsync(999);
    expect(runs).toBe(0);
    await jest.advanceTimersByTimeAsync(1 + 100);
    expect(value).toBe('report-slow');
    expect(runs).toBe(1);
    expect(control(svc, 'build').stats().cached).toMatchObject({
      lockWaits: 1,
      lockWaitTimeouts: 1,
    });
  });

  it('stops waiting and computes as soon as a poll of the shared tier fails', async () => {
    jest.useFakeTimers();
    const lock = new FakeLock();
    lock.held.set("hotpath:lock:Reports.build:'q", Number.POSITIVE_INFINITY);
    const store = new ControlledStore('ECONNRESET');
    const registry = createHotpath({ stores: { shared: store }, lock });
    const errors: string[] = [];
    registry.on('error', (e) => errors.push(e.message));
    const svc = bindHotpath(new Reports(), registry);
    let value: string | undefined;
    void svc.build('q').then((v) => (value = v));
    await jest.advanceTimersByTimeAsync(100);
    expect(control(svc, 'build').stats().cached).toMatchObject({ lockWaits: 1 });
    expect(runs).toBe(0);

    store.mode = 'fail';
    // The next poll (20 ms) fails: the method starts at once instead of polling until `wait` (1 s).
    await jest.advanceTimersByTimeAsync(20);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(99);
    expect(value).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(value).toBe('report-q');
    expect(control(svc, 'build').stats().cached).toMatchObject({
      lockWaits: 1,
      lockWaitsAbandoned: 1,
      lockWaitTimeouts: 0,
      storeErrors: 2,
    });
    expect(errors).toEqual([
      "@cached on Reports.build: store 'shared' get failed: ECONNRESET",
      "@cached on Reports.build: store 'shared' set failed: ECONNRESET",
    ]);
  });

  it('stops waiting once a poll times out (storeTimeout) while the shared tier hangs', async () => {
    jest.useFakeTimers();
    const lock = new FakeLock();
    lock.held.set("hotpath:lock:Reports.build:'q", Number.POSITIVE_INFINITY);
    const store = new ControlledStore('ECONNRESET');
    const registry = createHotpath({ stores: { shared: store }, lock });
    registry.on('error', () => {});
    const svc = bindHotpath(new Reports(), registry);
    let value: string | undefined;
    void svc.build('q').then((v) => (value = v));
    await jest.advanceTimersByTimeAsync(100);
    store.mode = 'hang';
    // Next poll at 120 ms; it times out at 120 + 250 ms; the method takes 100 ms.
    await jest.advanceTimersByTimeAsync(20 + 249);
    expect(runs).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(100);
    expect(value).toBe('report-q');
    expect(control(svc, 'build').stats().cached).toMatchObject({
      lockWaitsAbandoned: 1,
      lockWaitTimeouts: 0,
    });
  });

  it('stops waiting when the breaker starts skipping the shared tier', async () => {
    jest.useFakeTimers();
    const lock = new FakeLock();
    lock.held.set("hotpath:lock:Reports.build:'q", Number.POSITIVE_INFINITY);
    const store = withBreaker(new ControlledStore('ECONNRESET'), { failures: 1, cooldown: '1m' });
    const registry = createHotpath({ stores: { shared: store }, lock });
    registry.on('error', () => {});
    const svc = bindHotpath(new Reports(), registry);
    let value: string | undefined;
    void svc.build('q').then((v) => (value = v));
    await jest.advanceTimersByTimeAsync(100);
    // Another call's failed read opens the breaker; the store itself answers again.
    store.mode = 'fail';
    const other = svc.build('other');
    await jest.advanceTimersByTimeAsync(0);
    store.mode = 'ok';
    const calls = store.calls;
    await jest.advanceTimersByTimeAsync(20);
    // The skipped poll did not touch the store, and ended the wait.
    expect(runs).toBe(2);
    await jest.advanceTimersByTimeAsync(100);
    expect(value).toBe('report-q');
    await expect(other).resolves.toBe('report-other');
    expect(store.calls).toBe(calls);
    expect(control(svc, 'build').stats().cached).toMatchObject({
      lockWaits: 1,
      lockWaitsAbandoned: 1,
      breaker: { shared: 'open' },
    });
  });

  it('computes at once, without the lock, when the first read of the shared tier fails', async () => {
    jest.useFakeTimers();
    const lock = new FakeLock();
    lock.held.set("hotpath:lock:Reports.build:'q", Number.POSITIVE_INFINITY);
    const store = new ControlledStore('ECONNRESET');
    store.mode = 'fail';
    const registry = createHotpath({ stores: { shared: store }, lock });
    registry.on('error', () => {});
    const svc = bindHotpath(new Reports(), registry);
    let value: string | undefined;
    void svc.build('q').then((v) => (value = v));
    await jest.advanceTimersByTimeAsync(100);
    expect(value).toBe('report-q');
    expect(runs).toBe(1);
    expect(lock.acquired).toEqual([]);
    expect(control(svc, 'build').stats().cached).toMatchObject({
      lockWaits: 0,
      lockWaitsAbandoned: 0,
    });
  });

  it('fails open when the lock cannot be acquired: computes and reports E_STORE', async () => {
    jest.useFakeTimers();
    const lock = new FakeLock();
    lock.failing = true;
    const registry = createHotpath({ stores: { shared: new Keyv() }, lock });
    const errors: string[] = [];
    registry.on('error', (e) => errors.push(`${(e as { code?: string }).code}: ${e.message}`));
    const svc = bindHotpath(new Reports(), registry);
    const p = svc.build('x');
    await jest.advanceTimersByTimeAsync(100);
    expect(await p).toBe('report-x');
    expect(errors).toEqual([
      'E_STORE: @cached on Reports.build: distributed lock acquire failed: lock store down',
    ]);
  });

  it("answers the holder's caller when the method returns; writing, then releasing, goes on in the background", async () => {
    jest.useFakeTimers();
    const lock = new FakeLock();
    const store = new ControlledStore();
    const registry = createHotpath({ stores: { shared: store }, lock });
    const errors: string[] = [];
    registry.on('error', (e) => errors.push(e.message));
    const svc = bindHotpath(new Reports(), registry);
    let value: string | undefined;
    void svc.build('q').then((v) => (value = v));
    await jest.advanceTimersByTimeAsync(0);
    expect(lock.acquired).toEqual(["hotpath:lock:Reports.build:'q"]);
    // The store freezes while this process holds the lock.
    store.mode = 'hang';
    lock.releaseHangs = true;
    await jest.advanceTimersByTimeAsync(100);
    // The method's 100 ms, nothing more: not + storeTimeout (write) + storeTimeout (release).
    expect(value).toBe('report-q');
    // The lock is given back only once the write is over (here: timed out, 250 ms later).
    expect(lock.releases).toBe(0);
    await jest.advanceTimersByTimeAsync(250);
    expect(lock.releases).toBe(1);
    await jest.advanceTimersByTimeAsync(250);
    expect(errors).toEqual([
      "@cached on Reports.build: store 'shared' set timed out after 250 ms",
      '@cached on Reports.build: distributed lock release failed: timed out after 250 ms',
    ]);
  });

  it('releases the lock when the method fails, and caches nothing', async () => {
    const lock = new FakeLock();
    const registry = createHotpath({ stores: { shared: new Keyv() }, lock });
    class Failing {
      @cached({ store: 'shared', distributedLock: true })
      async get(): Promise<number> {
        runs++;
        throw new Error('nope');
      }
    }
    const svc = bindHotpath(new Failing(), registry);
    await expect(svc.get()).rejects.toThrow('nope');
    expect(lock.held.size).toBe(0);
    await expect(svc.get()).rejects.toThrow('nope');
    expect(runs).toBe(2);
  });
});
