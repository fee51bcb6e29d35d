import { afterEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createHotpath } from '../../src/index.js';
import type { InvalidationTarget } from '../../src/index.js';
import { RedisBus } from '../../src/redis/index.js';
import { describeRedis } from '../helpers/services.js';
import { describePrivateRedis, freePort, usePrivateRedis } from '../helpers/redis-server.js';
import { eventually } from '../helpers/eventually.js';
import { sleepMs } from '../helpers/time.js';
import { registryRuntime } from '../../src/extend.js';

const run = `hotpath-test:bus:${process.pid}:${Date.now()}`;
let channelCount = 0;
const newChannel = (): string => `${run}:${++channelCount}`;

/** Cuts this process's shared command connection (the buses' publisher) from the server side. */
async function killPublisher(raw: Redis): Promise<void> {
  const list = (await raw.client('LIST')) as string;
  const publisher = list
    .split('\n')
    .find((line) => line.includes(` name=hotpath:cmd:${process.pid} `));
  const id = /(?:^| )id=(\d+)/.exec(publisher!)![1]!;
  await raw.client('KILL', 'ID', id);
}

/** Collects what a bus delivers. */
function listen(bus: RedisBus): { messages: InvalidationTarget[]; resyncs: number } {
  const seen = { messages: [] as InvalidationTarget[], resyncs: 0 };
  bus.subscribe(
    (t) => seen.messages.push(t),
    () => seen.resyncs++,
  );
  return seen;
}

describe('RedisBus options', () => {
  it('needs a redis:// URL and rejects unknown options word for word', () => {
    expect(() => new RedisBus(undefined as never)).toThrow(
      new TypeError('new RedisBus(): options with a `url` are required'),
    );
    expect(() => new RedisBus({ url: 'localhost' })).toThrow(
      new TypeError(
        "new RedisBus(): `url` must be a redis:// or rediss:// URL string, got 'localhost'",
      ),
    );
    expect(() => new RedisBus({ url: 'redis://127.0.0.1:1', chanel: 'x' } as never)).toThrow(
      new TypeError('new RedisBus(): unknown option `chanel` (did you mean `channel`?)'),
    );
    expect(() => new RedisBus({ url: 'redis://127.0.0.1:1', maxPending: -1 })).toThrow(
      new TypeError('new RedisBus(): `maxPending` must be a non-negative integer, got -1'),
    );
  });

  it('checks every option word for word, before opening any connection', () => {
    const u = 'redis://127.0.0.1:1';
    expect(() => new RedisBus(u as never)).toThrow(
      new TypeError(
        "new RedisBus(): options must be an object, got 'redis://127.0.0.1:1' (did you mean `new RedisBus({ url: 'redis://127.0.0.1:1' })`?)",
      ),
    );
    expect(() => new RedisBus({ url: u, maxPending: Infinity })).toThrow(
      new TypeError('new RedisBus(): `maxPending` must be a non-negative integer, got Infinity'),
    );
    expect(() => new RedisBus({ url: u, channel: 5 as never })).toThrow(
      new TypeError('new RedisBus(): `channel` must be a non-empty string, got 5'),
    );
    expect(() => new RedisBus({ url: u, onError: 'log' as never })).toThrow(
      new TypeError("new RedisBus(): `onError` must be a function, got 'log'"),
    );
    expect(() => new RedisBus({ url: u, publishTimout: '1s' } as never)).toThrow(
      new TypeError(
        'new RedisBus(): unknown option `publishTimout` (did you mean `publishTimeout`?)',
      ),
    );
    expect(() => new RedisBus({ url: u, retryStrategy: () => 100 } as never)).toThrow(
      new TypeError(
        'new RedisBus(): unknown option `retryStrategy` (did you mean `maxReconnectDelay`?)',
      ),
    );
  });
});

describeRedis('RedisBus', (url) => {
  const open: RedisBus[] = [];
  const bus = (channel: string, extra: { onError?: (e: Error) => void } = {}): RedisBus => {
    const b = new RedisBus({ url, channel, ...extra });
    open.push(b);
    return b;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  it('opens no connection when an option is wrong', async () => {
    const raw = new Redis(url);
    try {
      expect(() => new RedisBus({ url, heartbeat: 0 })).toThrow(
        new TypeError(
          "new RedisBus(): `heartbeat` must be a positive duration (milliseconds or a string like '5m') of at most 2147483647 ms (24.8 days), got 0",
        ),
      );
      // A connection the constructor opened would be listed well within this (a few ms).
      await sleepMs(300);
      const list = (await raw.client('LIST')) as string;
      expect(list).not.toContain(` name=hotpath:bus:${process.pid} `);
      expect(list).not.toContain(` name=hotpath:cmd:${process.pid} `);
    } finally {
      await raw.quit();
    }
  });

  it("delivers another bus's invalidations, never the sender's own, and only their fields", async () => {
    const channel = newChannel();
    const a = bus(channel);
    const b = bus(channel);
    const seenA = listen(a);
    const seenB = listen(b);
    expect(await a.ready()).toBe(true);
    expect(await b.ready()).toBe(true);
    await a.publish({ tags: ['user:42'], value: 'secret' } as InvalidationTarget);
    await a.publish({ namespace: 'UserService.getUser', key: '42' });
    await a.publish({ namespace: 'UserService.getUser' });
    expect(await eventually(() => seenB.messages.length === 3, 2_000, 5)).toBe(true);
    expect(seenB.messages).toEqual([
      { tags: ['user:42'] },
      { namespace: 'UserService.getUser', key: '42' },
      { namespace: 'UserService.getUser' },
    ]);
    expect(seenA.messages).toEqual([]);
  }, 10_000);

  it('calls onResync once when the subscription starts', async () => {
    const b = bus(newChannel());
    const seen = listen(b);
    expect(await b.ready()).toBe(true);
    expect(seen.resyncs).toBe(1);
  }, 10_000);

  it('carries registry.invalidate() to the other registries as remote invalidations', async () => {
    const channel = newChannel();
    const one = createHotpath({ name: 'one', bus: bus(channel) });
    const two = createHotpath({ name: 'two', bus: bus(channel) });
    const got: Record<string, [InvalidationTarget, string][]> = { one: [], two: [] };
    for (const [name, registry] of [
      ['one', one],
      ['two', two],
    ] as const) {
      registryRuntime(registry).addInvalidator({
        invalidate: (target, origin) => void got[name]!.push([target, origin]),
        dropLocal: () => {},
      });
    }
    await Promise.all([(one.bus as RedisBus).ready(), (two.bus as RedisBus).ready()]);
    const sent = Date.now();
    await one.invalidate({ tags: ['order:7'] });
    expect(await eventually(() => got.two!.length === 1, 2_000, 5)).toBe(true);
    expect(Date.now() - sent).toBeLessThan(200);
    expect(got).toEqual({
      one: [[{ tags: ['order:7'] }, 'local']],
      two: [[{ tags: ['order:7'] }, 'remote']],
    });
    await Promise.all([one.shutdown(), two.shutdown()]);
  }, 10_000);

  it('ignores malformed messages and reports them', async () => {
    const channel = newChannel();
    const errors: string[] = [];
    const b = bus(channel, { onError: (e) => errors.push(e.message) });
    const seen = listen(b);
    await b.ready();
    const raw = new Redis(url);
    try {
      await raw.publish(channel, 'not json');
      await raw.publish(channel, JSON.stringify({ v: 1, o: 'elsewhere', t: { tags: [1] } }));
      await raw.publish(
        channel,
        JSON.stringify({ v: 1, o: 'elsewhere', t: { key: 'k', namespace: 'N' } }),
      );
      expect(await eventually(() => seen.messages.length === 1, 2_000, 5)).toBe(true);
      expect(seen.messages).toEqual([{ namespace: 'N', key: 'k' }]);
      expect(errors).toEqual([
        `ignored a malformed message on '${channel}': 'not json'`,
        `ignored a malformed message on '${channel}': '{"v":1,"o":"elsewhere","t":{"tags":[1]}}'`,
      ]);
    } finally {
      await raw.quit();
    }
  }, 10_000);
});

describe('RedisBus without Redis', () => {
  it('queues publishes, never rejects, and closes promptly', async () => {
    const errors: string[] = [];
    const b = new RedisBus({
      url: `redis://127.0.0.1:${await freePort()}`,
      onError: (e) => errors.push(e.message),
    });
    const started = Date.now();
    await b.publish({ tags: ['t'] });
    expect(b.pending).toBe(1);
    expect(await b.ready(100)).toBe(false);
    await b.close();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(errors.some((e) => e.startsWith('cannot connect to Redis at 127.0.0.1:'))).toBe(true);
  }, 10_000);
});

describePrivateRedis('RedisBus through a Redis restart', () => {
  const privateRedis = usePrivateRedis();

  it('resyncs every subscriber after Redis restarts', async () => {
    const errors: string[] = [];
    const onError = (e: Error): void => void errors.push(e.message);
    const channel = newChannel();
    const a = new RedisBus({ url: privateRedis().url, channel, onError });
    const b = new RedisBus({ url: privateRedis().url, channel, onError });
    const seenA = listen(a);
    const seenB = listen(b);
    try {
      await Promise.all([a.ready(), b.ready()]);
      expect([seenA.resyncs, seenB.resyncs]).toEqual([1, 1]);

      await privateRedis().kill();
      expect(
        await eventually(() => errors.some((e) => e.startsWith('lost the connection')), 2_000, 5),
      ).toBe(true);
      await a.publish({ tags: ['while-down'] });
      expect(a.pending).toBe(1);

      await privateRedis().start();
      // Whether b's subscription is back before a's backlog goes out is a race; b dropping
      // its whole L1 tier covers the message either way.
      expect(
        await eventually(
          () => seenA.resyncs === 2 && seenB.resyncs === 2 && a.pending === 0,
          5_000,
          5,
        ),
      ).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 20_000);

  it("sends what was published while only the sender's connection was down", async () => {
    const errors: string[] = [];
    const channel = newChannel();
    const a = new RedisBus({
      url: privateRedis().url,
      channel,
      onError: (e) => void errors.push(e.message),
    });
    const b = new RedisBus({ url: privateRedis().url, channel, onError: () => {} });
    const seen = listen(b);
    const raw = new Redis(privateRedis().url);
    try {
      await Promise.all([a.ready(), b.ready()]);
      await killPublisher(raw);
      expect(
        await eventually(() => errors.some((e) => e.startsWith('lost the connection')), 2_000, 5),
      ).toBe(true);
      await a.publish({ tags: ['while-down'] });
      expect(a.pending).toBe(1);
      expect(await eventually(() => seen.messages.length === 1, 5_000, 5)).toBe(true);
      expect(seen.messages).toEqual([{ tags: ['while-down'] }]);
      expect(seen.resyncs).toBe(1);
      expect(a.pending).toBe(0);
    } finally {
      await Promise.all([a.close(), b.close(), raw.quit()]);
    }
  }, 20_000);

  it('replaces an overflowing backlog with one resync message', async () => {
    const errors: string[] = [];
    const channel = newChannel();
    const a = new RedisBus({
      url: privateRedis().url,
      channel,
      maxPending: 2,
      onError: (e) => void errors.push(e.message),
    });
    const b = new RedisBus({ url: privateRedis().url, channel, onError: () => {} });
    const seen = listen(b);
    const raw = new Redis(privateRedis().url);
    try {
      await Promise.all([a.ready(), b.ready()]);
      await killPublisher(raw);
      expect(
        await eventually(() => errors.some((e) => e.startsWith('lost the connection')), 2_000, 5),
      ).toBe(true);
      for (let i = 0; i < 3; i++) await a.publish({ tags: [`t${i}`] });
      expect(a.pending).toBe(1);
      // 1 when b subscribed, 1 for a's resync message; none of the three messages.
      expect(await eventually(() => seen.resyncs === 2, 5_000, 5)).toBe(true);
      expect(seen.messages).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close(), raw.quit()]);
    }
  }, 20_000);

  it('does not hold publish() past publishTimeout while Redis is frozen, and delivers after the thaw', async () => {
    const channel = newChannel();
    const errors: string[] = [];
    const a = new RedisBus({
      url: privateRedis().url,
      channel,
      commandTimeout: 200,
      publishTimeout: 100,
      onError: (e) => void errors.push(e.message),
    });
    const b = new RedisBus({ url: privateRedis().url, channel, onError: () => {} });
    const seen = listen(b);
    try {
      await Promise.all([a.ready(), b.ready()]);
      privateRedis().pause();
      const t = Date.now();
      await a.publish({ tags: ['frozen'] });
      expect(Date.now() - t).toBeLessThan(200);
      // Past the command timeout: the PUBLISH failed, is queued and retried.
      expect(
        await eventually(() => errors.some((e) => e.startsWith('publish failed')), 2_000, 5),
      ).toBe(true);
      privateRedis().resume();
      expect(await eventually(() => seen.messages.length > 0 && a.pending === 0, 5_000, 5)).toBe(
        true,
      );
      // Delivered at least once (a thawed Redis may also run the first, timed-out PUBLISH).
      for (const m of seen.messages) expect(m).toEqual({ tags: ['frozen'] });
    } finally {
      privateRedis().resume();
      await Promise.all([a.close(), b.close()]);
    }
  }, 20_000);

  it('notices a subscription that stopped answering (heartbeat), reconnects and resyncs', async () => {
    const errors: string[] = [];
    const b = new RedisBus({
      url: privateRedis().url,
      channel: newChannel(),
      heartbeat: 100,
      connectTimeout: 200,
      onError: (e) => void errors.push(e.message),
    });
    const seen = listen(b);
    try {
      await b.ready();
      expect(seen.resyncs).toBe(1);
      privateRedis().pause();
      expect(
        await eventually(
          () => errors.some((e) => e.includes('did not answer a PING within 200 ms; reconnecting')),
          3_000,
          5,
        ),
      ).toBe(true);
      privateRedis().resume();
      expect(await eventually(() => seen.resyncs === 2, 5_000, 5)).toBe(true);
      expect(await b.ready(1_000)).toBe(true);
    } finally {
      privateRedis().resume();
      await b.close();
    }
  }, 20_000);
});
