/**
 * `registry.shutdown()` drains until nothing is left, and never for longer than its timeout:
 * work that flushing enqueues (a batch body calling another `@batched` or `@debounce` method)
 * is flushed in the same shutdown without waiting out its `maxWait`/`wait`, and past
 * `timeout` whatever is still pending is given up (`E_SHUTDOWN`) and listed in the report.
 * Fake timers: a shutdown that waited for a timer would not finish unless the test advanced it.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  HotpathError,
  batched,
  bindHotpath,
  control,
  createHotpath,
  debounce,
  type Hotpath,
} from '../../src/index.js';
import { advanceFakeTime } from '../helpers/fake-time.js';
import { registryRuntime } from '../../src/extend.js';

/** Tracks whether `promise` has settled, and with what. */
function watch<T>(promise: Promise<T>): { done: boolean; value?: T; error?: unknown } {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then(
    (value) => Object.assign(state, { done: true, value }),
    (error: unknown) => Object.assign(state, { done: true, error }),
  );
  return state;
}

function errorsOf(registry: Hotpath): Array<{ code: unknown; message: string }> {
  const errors: Array<{ code: unknown; message: string }> = [];
  registry.on('error', (e) => errors.push({ code: (e as HotpathError).code, message: e.message }));
  return errors;
}

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});
afterEach(() => {
  jest.useRealTimers();
});

describe('shutdown() drains until nothing is left', () => {
  it('flushes a batch that a flushed batch body enqueues, without waiting out its maxWait', async () => {
    const log: string[] = [];
    class Authors {
      @batched({ maxWait: '1h' })
      async load(ids: number[]): Promise<string[]> {
        log.push(`authors ${ids.join(',')}`);
        return ids.map((id) => `author ${id}`);
      }
    }
    class Posts {
      constructor(readonly authors: Authors) {}

      @batched({ maxWait: '1h' })
      async load(ids: number[]): Promise<string[]> {
        log.push(`posts ${ids.join(',')}`);
        const authors = await Promise.all(ids.map((id) => this.authors.load([id * 10])));
        return ids.map((id, i) => `post ${id} by ${authors[i]![0]}`);
      }
    }
    const registry = createHotpath({ name: 'nested' });
    const posts = bindHotpath(new Posts(bindHotpath(new Authors(), registry)), registry);
    const post = watch(posts.load([1, 2]));
    const shutdown = watch(registry.shutdown());
    await advanceFakeTime(0);
    expect(shutdown).toEqual({ done: true, value: { abandoned: [] } });
    expect(post).toEqual({ done: true, value: ['post 1 by author 10', 'post 2 by author 20'] });
    expect(log).toEqual(['posts 1,2', 'authors 10,20']);
  });

  it('flushes a debounced call that a flushed batch body makes, without waiting out its wait', async () => {
    const saved: string[] = [];
    class Index {
      @debounce('1h')
      async save(doc: string): Promise<void> {
        saved.push(doc);
      }
    }
    class Writer {
      constructor(readonly index: Index) {}

      @batched({ maxWait: '1h' })
      async write(docs: string[]): Promise<void> {
        await this.index.save(docs.join('+'));
      }
    }
    const registry = createHotpath({ name: 'nested-debounce' });
    const writer = bindHotpath(new Writer(bindHotpath(new Index(), registry)), registry);
    void writer.write(['a']);
    void writer.write(['b']);
    const shutdown = watch(registry.shutdown());
    await advanceFakeTime(0);
    expect(shutdown).toEqual({ done: true, value: { abandoned: [] } });
    expect(saved).toEqual(['a+b']);
  });

  it('flushes work a flushed body starts and does not await, in a later round', async () => {
    const log: string[] = [];
    class Audit {
      @batched({ maxWait: '1h' })
      async record(events: string[]): Promise<void> {
        log.push(`audit ${events.join(',')}`);
      }
    }
    class Orders {
      constructor(readonly audit: Audit) {}

      @batched({ maxWait: '1h' })
      async place(ids: number[]): Promise<void> {
        log.push(`orders ${ids.join(',')}`);
        void this.audit.record(ids.map((id) => `placed ${id}`));
      }
    }
    const registry = createHotpath({ name: 'fire-and-forget' });
    const orders = bindHotpath(new Orders(bindHotpath(new Audit(), registry)), registry);
    void orders.place([7]);
    const shutdown = watch(registry.shutdown());
    await advanceFakeTime(0);
    expect(shutdown).toEqual({ done: true, value: { abandoned: [] } });
    expect(log).toEqual(['orders 7', 'audit placed 7']);
  });
  it('leaves no timer behind after a debounced method was flushed by hand (lodash keeps it running)', async () => {
    class Search {
      @debounce('1h')
      async index(): Promise<void> {}
    }
    const registry = createHotpath({ name: 'stray-timer' });
    const search = bindHotpath(new Search(), registry);
    void search.index();
    await control(search, 'index').flush();
    expect(jest.getTimerCount()).toBe(1);
    await registry.shutdown();
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('shutdown({ timeout })', () => {
  /** A debounced method whose invocation never settles. */
  class Sync {
    @debounce('1m')
    push(): Promise<void> {
      return new Promise<void>(() => {});
    }
  }

  it('gives up a batch whose body never settles: callers reject with E_SHUTDOWN, the report lists it', async () => {
    class Repo {
      @batched({ maxWait: '1h' })
      save(rows: string[]): Promise<void> {
        void rows;
        return new Promise<void>(() => {});
      }
    }
    const registry = createHotpath({ name: 'hung' });
    const errors = errorsOf(registry);
    const repo = bindHotpath(new Repo(), registry);
    const awaited = watch(repo.save(['a']));
    void repo.save(['b']); // fire and forget: its rejection goes to the error event
    const shutdown = watch(registry.shutdown({ timeout: '5s' }));
    await jest.advanceTimersByTimeAsync(4_999);
    expect(shutdown.done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    const message =
      "Repo.save: given up by the shutdown of the hotpath registry 'hung' after its 5000 ms timeout";
    expect(shutdown).toEqual({
      done: true,
      value: {
        abandoned: [
          {
            decorator: 'batched',
            method: 'Repo.save',
            pending: 1,
            detail: '1 batch of 2 items not finished (2 callers rejected)',
          },
        ],
      },
    });
    expect(awaited.error).toBeInstanceOf(HotpathError);
    expect(awaited.error).toMatchObject({ code: 'E_SHUTDOWN', message });
    expect(errors).toEqual([{ code: 'E_SHUTDOWN', message }]);
  });

  it('gives up a read batch whose body never settles, even for callers who fired and forgot', async () => {
    let hang = false;
    class Users {
      @batched()
      load(ids: number[]): Promise<number[]> {
        return hang ? new Promise<number[]>(() => {}) : Promise.resolve(ids);
      }
    }
    const registry = createHotpath({ name: 'hung-read' });
    const users = bindHotpath(new Users(), registry);
    await expect(users.load([1])).resolves.toEqual([1]);
    hang = true;
    void users.load([2]);
    void users.load([3, 4]);
    await advanceFakeTime(0);
    const shutdown = watch(registry.shutdown({ timeout: 100 }));
    await jest.advanceTimersByTimeAsync(100);
    expect(shutdown.value).toEqual({
      abandoned: [
        {
          decorator: 'batched',
          method: 'Users.load',
          pending: 1,
          detail: '1 batch of 3 items not finished (2 callers rejected)',
        },
      ],
    });
  });

  it('gives up a debounced invocation that never settles, and calls still waiting', async () => {
    const registry = createHotpath({ name: 'hung-debounce' });
    const errors = errorsOf(registry);
    const sync = bindHotpath(new Sync(), registry);
    const awaited = watch(sync.push());
    const shutdown = watch(registry.shutdown({ timeout: '2s' }));
    await jest.advanceTimersByTimeAsync(2_000);
    expect(shutdown.value).toEqual({
      abandoned: [
        {
          decorator: 'debounce',
          method: 'Sync.push',
          pending: 1,
          detail: '1 invocation not finished',
        },
      ],
    });
    expect(awaited.error).toMatchObject({
      code: 'E_SHUTDOWN',
      message:
        "Sync.push: given up by the shutdown of the hotpath registry 'hung-debounce' after its 2000 ms timeout",
    });
    expect(errors).toEqual([]);
  });

  it('reports a given-up invocation nobody awaits on the error event', async () => {
    const registry = createHotpath({ name: 'hung-unobserved' });
    const errors = errorsOf(registry);
    void bindHotpath(new Sync(), registry).push();
    const shutdown = watch(registry.shutdown({ timeout: '2s' }));
    await jest.advanceTimersByTimeAsync(2_000);
    expect(shutdown.done).toBe(true);
    expect(errors).toEqual([
      {
        code: 'E_SHUTDOWN',
        message:
          "Sync.push: given up by the shutdown of the hotpath registry 'hung-unobserved' after its 2000 ms timeout",
      },
    ]);
  });

  it('waits 10 seconds by default, then lists a hook that never settled; later calls change nothing', async () => {
    const registry = createHotpath({ name: 'default-timeout' });
    registryRuntime(registry).onShutdown(() => new Promise(() => {}));
    const first = registry.shutdown();
    expect(registry.shutdown({ timeout: '1s' })).toBe(first);
    const shutdown = watch(first);
    await jest.advanceTimersByTimeAsync(9_999);
    expect(shutdown.done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(shutdown.value).toEqual({
      abandoned: [
        {
          decorator: 'onShutdown',
          pending: 1,
          detail: 'a flush hook added with onShutdown() had not settled',
        },
      ],
    });
  });

  it('still stops limiters and closes stores after a timeout', async () => {
    const order: string[] = [];
    const store = {
      get: () => undefined,
      set: () => true,
      delete: () => true,
      disconnect: () => void order.push('store closed'),
    };
    const registry = createHotpath({ name: 'late-stop', stores: { mem: store } });
    registryRuntime(registry).onShutdown(() => new Promise(() => {}));
    registryRuntime(registry).onShutdown(() => void order.push('stop'), 'stop');
    const shutdown = watch(registry.shutdown({ timeout: 50 }));
    await jest.advanceTimersByTimeAsync(50);
    expect(shutdown.done).toBe(true);
    expect(order).toEqual(['stop', 'store closed']);
    expect(shutdown.value!.abandoned.map((a) => a.decorator)).toEqual(['onShutdown']);
  });

  it('checks its options word for word', () => {
    const registry = createHotpath({ name: 'checked' });
    expect(() => registry.shutdown({ timeout: -1 })).toThrow(
      new TypeError(
        "shutdown() of registry 'checked': `timeout` must be a positive duration (milliseconds or a string like '5m') of at most 2147483647 ms (24.8 days), got -1",
      ),
    );
    expect(() => registry.shutdown({ timeout: '30d' })).toThrow(
      /^shutdown\(\) of registry 'checked': `timeout` must be .* got '30d'$/,
    );
    expect(() => registry.shutdown({ timout: '5s' } as never)).toThrow(
      new TypeError(
        "shutdown() of registry 'checked': unknown option `timout` (did you mean `timeout`?)",
      ),
    );
    expect(registry.closed).toBe(false);
  });
});
