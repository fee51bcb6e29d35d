/**
 * `distributedLock` through a real Redis that dies while another process holds the lock: the
 * waiting caller must stop polling and compute at once (a dead store must never make a caller
 * wait longer than `storeTimeout` plus the method's own time). A private redis-server (never
 * the shared one) is started for it and killed mid-call.
 */
import { afterAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisLock, redisStore } from '../../src/redis/index.js';
import { bindHotpath, cached, control, createHotpath, type Hotpath } from '../../src/index.js';
import { PrivateRedis, describePrivateRedis } from '../helpers/redis-server.js';
import { sleepMs } from '../helpers/time.js';

const STORE_TIMEOUT = 250;
const METHOD_MS = 20;
/** Room for a loaded machine (2 cores shared by many test runs). */
const MARGIN = 200;

describePrivateRedis('@cached distributedLock when Redis dies during the wait', () => {
  const run = `hotpath-test:lock-wait:${process.pid}:${Date.now()}`;
  // One server per test (its own URL, so its own pooled clients: a restarted server would be
  // met by clients still backing off from the previous test's outage).
  const servers: PrivateRedis[] = [];
  const registries: Hotpath[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill()));
    await Promise.all(registries.map((r) => r.shutdown()));
  }, 10_000);

  /**
   * Starts a call of a `distributedLock` method while another "process" holds its lock, lets it
   * wait 100 ms, breaks Redis with `breakRedis`, and measures how long the call took after that.
   */
  async function waitThrough(
    name: string,
    breakRedis: (server: PrivateRedis) => Promise<void> | void,
  ) {
    const server = await PrivateRedis.start();
    servers.push(server);
    const namespace = `${run}:${name}`;
    let runs = 0;
    class Reports {
      @cached({ store: 'redis', namespace, storeTimeout: STORE_TIMEOUT, distributedLock: true })
      async build(id: string): Promise<string> {
        runs++;
        await sleepMs(METHOD_MS);
        return `fresh-${id}`;
      }
    }
    const lock = new RedisLock({ url: server.url, onError: () => {} });
    const store = redisStore(server.url, { namespace });
    store.on('error', () => {});
    const registry = createHotpath({ stores: { redis: store }, lock });
    registries.push(registry);
    const errors: string[] = [];
    registry.on('error', (e) => errors.push(e.message));

    // Another process holds the lock for this key and has not written the value yet.
    const raw = new Redis(server.url);
    // (`:` inside a namespace is escaped in shared keys, see src/cached/shared-keys.ts.)
    const lockKey = `hotpath:lock:${namespace.replaceAll(':', '%3A')}:'q1`;
    await raw.set(lockKey, 'other', 'PX', 30_000);
    await raw.quit();

    const svc = bindHotpath(new Reports(), registry);
    const call = svc.build('q1');
    await sleepMs(100);
    expect(control(svc, 'build').stats().cached).toMatchObject({ lockWaits: 1, misses: 1 });
    expect(runs).toBe(0);

    const broken = Date.now();
    await breakRedis(server);
    const value = await call;
    const waited = Date.now() - broken;
    console.log(`lock wait after Redis ${name}: ${waited} ms`);
    return { value, waited, runs, stats: control(svc, 'build').stats().cached, errors };
  }

  it('answers the holder within storeTimeout + the method when Redis freezes while it holds the lock', async () => {
    const server = await PrivateRedis.start();
    servers.push(server);
    const namespace = `${run}:holder-frozen`;
    class Reports {
      @cached({ store: 'redis', namespace, storeTimeout: STORE_TIMEOUT, distributedLock: true })
      async build(id: string): Promise<string> {
        // Frozen after the lock was taken, before the value is written and the lock released.
        server.pause();
        await sleepMs(METHOD_MS);
        return `fresh-${id}`;
      }
    }
    const lock = new RedisLock({ url: server.url, onError: () => {} });
    const store = redisStore(server.url, { namespace });
    const registry = createHotpath({ stores: { redis: store }, lock });
    registries.push(registry);
    const errors: string[] = [];
    registry.on('error', (e) => errors.push(e.message));
    expect(await lock.ready()).toBe(true);
    const svc = bindHotpath(new Reports(), registry);

    const started = Date.now();
    expect(await svc.build('q1')).toBe('fresh-q1');
    const waited = Date.now() - started;
    console.log(`lock holder's call with Redis frozen mid-call: ${waited} ms`);
    expect(lock.stats()).toMatchObject({ acquired: 1, failedOpen: 0 });
    // Not storeTimeout for the write plus storeTimeout for the release: those run afterwards.
    expect(waited).toBeLessThan(STORE_TIMEOUT + METHOD_MS + MARGIN);
    expect(errors).toEqual([]);
  }, 15_000);

  it('stops waiting for the lock holder and computes within storeTimeout + the method once Redis is killed', async () => {
    const { value, waited, runs, stats, errors } = await waitThrough('killed', (server) =>
      server.kill(),
    );
    expect(value).toBe('fresh-q1');
    expect(runs).toBe(1);
    expect(waited).toBeLessThan(STORE_TIMEOUT + METHOD_MS + MARGIN);
    expect(stats).toMatchObject({ lockWaits: 1, lockWaitsAbandoned: 1, lockWaitTimeouts: 0 });
    expect(errors.some((m) => m.startsWith("@cached on Reports.build: store 'redis' get"))).toBe(
      true,
    );
  }, 15_000);

  it('stops waiting once a poll times out while Redis hangs', async () => {
    const { value, waited, runs, stats, errors } = await waitThrough('hangs', (server) =>
      server.pause(),
    );
    expect(value).toBe('fresh-q1');
    expect(runs).toBe(1);
    // The poll that finds Redis frozen costs storeTimeout, then the method runs.
    expect(waited).toBeGreaterThanOrEqual(STORE_TIMEOUT);
    expect(waited).toBeLessThan(STORE_TIMEOUT + METHOD_MS + MARGIN);
    expect(stats).toMatchObject({ lockWaits: 1, lockWaitsAbandoned: 1, lockWaitTimeouts: 0 });
    expect(errors).toContain(
      `@cached on Reports.build: store 'redis' get timed out after ${STORE_TIMEOUT} ms`,
    );
  }, 15_000);
});
