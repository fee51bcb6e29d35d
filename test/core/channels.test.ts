import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from '@jest/globals';
import { bindHotpath, createHotpath, use, type Middleware } from '../../src/index.js';
import {
  callChannel,
  eventChannel,
  publishEvent,
  type CallContext,
  type HotpathEvent,
} from '../../src/extend.js';

const pass: Middleware = (_call, next) => next();

class Orders {
  @use(pass)
  total(a: number, b: number): number {
    return a + b;
  }

  @use(pass)
  fail(): never {
    throw new Error('no total');
  }

  @use(pass)
  async load(id: string): Promise<string> {
    await new Promise((resolve) => setImmediate(resolve));
    if (id === 'missing') throw new RangeError(`no order ${id}`);
    return `order ${id}`;
  }
}

type Seen = [channel: string, method: string, detail: string];

/** Subscribes to every channel of `hotpath:call`, recording what each saw at that moment. */
function record(): { seen: Seen[]; stop: () => void } {
  const seen: Seen[] = [];
  const describe = (c: CallContext): string =>
    `async=${c.async} result=${String(c.result)} error=${c.error instanceof Error ? c.error.message : 'none'}`;
  const handlers = {
    start: (c: CallContext) => seen.push(['start', c.method, `args=${JSON.stringify(c.args)}`]),
    end: (c: CallContext) => seen.push(['end', c.method, describe(c)]),
    asyncStart: (c: CallContext) => seen.push(['asyncStart', c.method, describe(c)]),
    asyncEnd: (c: CallContext) => seen.push(['asyncEnd', c.method, describe(c)]),
    error: (c: CallContext) => seen.push(['error', c.method, describe(c)]),
  };
  callChannel.subscribe(handlers);
  return { seen, stop: () => void callChannel.unsubscribe(handlers) };
}

let stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops) stop();
  stops = [];
});

describe('the hotpath:call tracing channel', () => {
  it('traces a sync call: start, then end with the result', () => {
    const { seen, stop } = record();
    stops.push(stop);
    expect(new Orders().total(2, 3)).toBe(5);
    expect(seen).toEqual([
      ['start', 'Orders.total', 'args=[2,3]'],
      ['end', 'Orders.total', 'async=false result=5 error=none'],
    ]);
  });

  it('traces a throwing call: error, then end, and rethrows', () => {
    const { seen, stop } = record();
    stops.push(stop);
    expect(() => new Orders().fail()).toThrow('no total');
    expect(seen.map((s) => s[0])).toEqual(['start', 'error', 'end']);
    expect(seen[2]).toEqual(['end', 'Orders.fail', 'async=false result=undefined error=no total']);
  });

  it('traces an async call until it settles and hands the caller the same promise', async () => {
    const { seen, stop } = record();
    stops.push(stop);
    const orders = new Orders();
    const ok = orders.load('7');
    expect(seen.map((s) => s[0])).toEqual(['start', 'end']);
    expect(seen[1]![2]).toBe('async=true result=undefined error=none');
    await expect(ok).resolves.toBe('order 7');
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.slice(2)).toEqual([
      ['asyncStart', 'Orders.load', 'async=true result=order 7 error=none'],
      ['asyncEnd', 'Orders.load', 'async=true result=order 7 error=none'],
    ]);

    seen.length = 0;
    await expect(orders.load('missing')).rejects.toThrow('no order missing');
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.map((s) => s[0])).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
  });

  it('keeps a store bound to start active for the whole call, across awaits', async () => {
    const store = new AsyncLocalStorage<string>();
    callChannel.start.bindStore(store, (c) => `span of ${c.method}`);
    stops.push(() => void callChannel.start.unbindStore(store));
    let seenInside: string | undefined;
    class Nested {
      @use(pass)
      async outer(): Promise<void> {
        await new Promise((resolve) => setImmediate(resolve));
        seenInside = store.getStore();
      }
    }
    await new Nested().outer();
    expect(seenInside).toBe('span of Nested.outer');
    expect(store.getStore()).toBeUndefined();
  });

  it('costs nothing and builds nothing without subscribers', () => {
    expect(callChannel.hasSubscribers).toBe(false);
    const orders = new Orders();
    expect(orders.total(1, 1)).toBe(2);
  });

  it('does not trace calls refused after shutdown', async () => {
    const registry = createHotpath();
    const orders = bindHotpath(new Orders(), registry);
    await registry.shutdown();
    const { seen, stop } = record();
    stops.push(stop);
    expect(() => orders.total(1, 2)).toThrow('has been shut down');
    expect(seen).toEqual([]);
  });
});

describe('the hotpath:event channel', () => {
  it('delivers decorator events with the method name and detail, only to subscribers', () => {
    const events: HotpathEvent[] = [];
    const listener = (message: unknown): void => void events.push(message as HotpathEvent);
    let built = 0;
    class Svc {
      @use((call, next) => {
        publishEvent('custom', 'seen', call.site, () => ({ built: ++built }));
        return next();
      })
      run(): number {
        return 1;
      }
    }
    const svc = new Svc();
    svc.run();
    expect(built).toBe(0);
    subscribe('hotpath:event', listener);
    stops.push(() => void unsubscribe('hotpath:event', listener));
    svc.run();
    expect(eventChannel.hasSubscribers).toBe(true);
    expect(events).toEqual([{ decorator: 'custom', event: 'seen', method: 'Svc.run', built: 1 }]);
  });
});
