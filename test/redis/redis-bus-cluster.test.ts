/**
 * `RedisBus` on the user's own ioredis client: a Redis Cluster (six private nodes: sharded
 * pub/sub) and a Sentinel set (master, replica, three sentinels), both started and stopped
 * here. Two registries see each other's invalidations; when the master carrying the channel
 * is killed (or its slot moves to another master), the bus resubscribes where the channel is
 * now, resyncs, sends what was published meanwhile, and later invalidations arrive again.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';
import { createHotpath, type Hotpath, type InvalidationTarget } from '../../src/index.js';
import { registryRuntime } from '../../src/extend.js';
import { RedisBus } from '../../src/redis/index.js';
import { PrivateCluster } from '../helpers/private-cluster.js';
import { PrivateSentinel, SENTINEL_MASTER } from '../helpers/private-sentinel.js';
import { describePrivateRedis } from '../helpers/redis-server.js';
import { eventually } from '../helpers/eventually.js';

describe('new RedisBus({ client })', () => {
  it('takes a client or a url, not both, and checks the client', () => {
    const client = new Redis({ lazyConnect: true });
    expect(() => new RedisBus({ url: 'redis://127.0.0.1:6379', client })).toThrow(
      new TypeError('new RedisBus(): takes `url` or `client`, not both'),
    );
    expect(() => new RedisBus({ client: {} as never })).toThrow(
      new TypeError(
        'new RedisBus(): `client` must be an ioredis client (a `Redis`, with or without Sentinel, or a `Cluster`), got {}',
      ),
    );
    expect(() => new RedisBus({ client, chanel: 'x' } as never)).toThrow(
      new TypeError('new RedisBus(): unknown option `chanel` (did you mean `channel`?)'),
    );
    client.disconnect();
  });
});

/** What a registry's invalidators received, with their origin ('local' or 'remote'). */
type Received = [InvalidationTarget, string][];

/** A registry on `bus` that records the invalidations reaching it, and counts its resyncs. */
function registryOn(name: string, bus: RedisBus) {
  const registry = createHotpath({ name, bus });
  const got: Received = [];
  registryRuntime(registry).addInvalidator({
    invalidate: (target, origin) => void got.push([target, origin]),
    dropLocal: () => {},
  });
  const seen = { resyncs: 0 };
  bus.subscribe(
    () => {},
    () => seen.resyncs++,
  );
  return { registry, got, seen };
}

/** Keys, tags and a namespace clear from `from` reach `to` as remote invalidations. */
async function expectCarried(from: Hotpath, to: Received): Promise<void> {
  to.length = 0;
  await from.invalidate({ namespace: 'Users.get', key: '42' });
  await from.invalidate({ tags: ['user:42', 'team:7'] });
  await from.invalidate({ namespace: 'Users.get' });
  expect(await eventually(() => to.length === 3, 5_000, 5)).toBe(true);
  expect(to).toEqual([
    [{ namespace: 'Users.get', key: '42' }, 'remote'],
    [{ tags: ['user:42', 'team:7'] }, 'remote'],
    [{ namespace: 'Users.get' }, 'remote'],
  ]);
}

/** Runs `command` on the node at `port` (a short-lived connection). */
async function onNode(port: number, ...command: string[]): Promise<unknown> {
  const node = new Redis({ port, host: '127.0.0.1' });
  try {
    return await node.call(command[0]!, ...command.slice(1));
  } finally {
    node.disconnect();
  }
}

/** Calls of `command` on the node at `port` so far (`INFO commandstats`). */
async function calls(port: number, command: string): Promise<number> {
  const info = String(await onNode(port, 'INFO', 'commandstats'));
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

describePrivateRedis('RedisBus on a Redis Cluster', () => {
  const channel = 'hotpath:invalidate';
  let cluster: PrivateCluster;
  const clients: Cluster[] = [];
  const buses: RedisBus[] = [];
  const errors: string[] = [];
  let one: ReturnType<typeof registryOn>;
  let two: ReturnType<typeof registryOn>;
  beforeAll(async () => {
    cluster = await PrivateCluster.start();
    for (let i = 0; i < 2; i++) {
      const client = new Cluster(cluster.startupNodes);
      client.on('error', () => {});
      clients.push(client);
      buses.push(new RedisBus({ client, onError: (e) => void errors.push(e.message) }));
    }
    one = registryOn('one', buses[0]!);
    two = registryOn('two', buses[1]!);
    expect(await Promise.all(buses.map((b) => b.ready(10_000)))).toEqual([true, true]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([one?.registry.shutdown(), two?.registry.shutdown()]);
    // hotpath closed its subscribers, never the user's clients.
    expect(clients.map((c) => c.status)).toEqual(['ready', 'ready']);
    for (const c of clients) c.disconnect();
    await cluster?.stop();
  });

  it('carries keys, tags and clears between registries by sharded pub/sub', async () => {
    expect([one.seen.resyncs, two.seen.resyncs]).toEqual([1, 1]);
    const shard = await cluster.masterOf(channel);
    // Both buses hold SSUBSCRIBE on the channel's shard master, and nowhere else.
    expect(await onNode(shard, 'PUBSUB', 'SHARDNUMSUB', channel)).toEqual([channel, 2]);
    for (const port of await cluster.masters()) {
      if (port !== shard) expect(await onNode(port, 'PUBSUB', 'SHARDCHANNELS')).toEqual([]);
    }
    const spublished = await calls(shard, 'spublish');
    await expectCarried(one.registry, two.got);
    await expectCarried(two.registry, one.got);
    // Six SPUBLISH on the shard master; no PUBLISH (which would reach every node) anywhere.
    expect((await calls(shard, 'spublish')) - spublished).toBe(6);
    for (const port of cluster.ports) expect(await calls(port, 'publish')).toBe(0);
  }, 30_000);

  it("subscribes under the cluster client's keyPrefix, as its SPUBLISH names the channel", async () => {
    const prefixed = [0, 1].map(() => {
      const client = new Cluster(cluster.startupNodes, { keyPrefix: 'shop:' });
      client.on('error', () => {});
      return client;
    });
    const [a, b] = prefixed.map((client) => new RedisBus({ client, onError: () => {} }));
    try {
      const got: InvalidationTarget[] = [];
      b!.subscribe(
        (target) => void got.push(target),
        () => {},
      );
      expect(await Promise.all([a!.ready(10_000), b!.ready(10_000)])).toEqual([true, true]);
      const name = `shop:${channel}`;
      expect(await onNode(await cluster.masterOf(name), 'PUBSUB', 'SHARDNUMSUB', name)).toEqual([
        name,
        2,
      ]);
      await a!.publish({ tags: ['prefixed'] });
      expect(await eventually(() => got.length === 1, 5_000, 5)).toBe(true);
      expect(got).toEqual([{ tags: ['prefixed'] }]);
    } finally {
      await Promise.all([a!.close(), b!.close()]);
      for (const c of prefixed) c.disconnect();
    }
  }, 30_000);

  it('resubscribes where the slot moved to, and resyncs (an unsubscribe pushed by the server)', async () => {
    const from = await cluster.masterOf(channel);
    const to = (await cluster.masters()).find((p) => p !== from)!;
    const slot = String(await onNode(from, 'CLUSTER', 'KEYSLOT', channel));
    const [fromId, toId] = await Promise.all([
      onNode(from, 'CLUSTER', 'MYID'),
      onNode(to, 'CLUSTER', 'MYID'),
    ]);
    const resyncs = [one.seen.resyncs, two.seen.resyncs];
    // Moves the (keyless) slot: the old owner ends its shard channels' subscriptions.
    await onNode(to, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', String(fromId));
    await onNode(from, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', String(toId));
    await onNode(to, 'CLUSTER', 'SETSLOT', slot, 'NODE', String(toId));
    await onNode(from, 'CLUSTER', 'SETSLOT', slot, 'NODE', String(toId));
    expect(
      await eventually(
        () => one.seen.resyncs === resyncs[0]! + 1 && two.seen.resyncs === resyncs[1]! + 1,
        10_000,
        5,
      ),
    ).toBe(true);
    expect(await cluster.masterOf(channel)).toBe(to);
    expect(await onNode(to, 'PUBSUB', 'SHARDNUMSUB', channel)).toEqual([channel, 2]);
    await expectCarried(one.registry, two.got);
  }, 30_000);

  it('resubscribes on the promoted replica when the shard master dies, resyncs, and sends what was published meanwhile', async () => {
    const master = await cluster.masterOf(channel);
    const resyncs = [one.seen.resyncs, two.seen.resyncs];
    two.got.length = 0;
    await cluster.kill(master);
    // Never hangs, never throws: kept and sent once the channel's shard answers again.
    const started = Date.now();
    await one.registry.invalidate({ tags: ['during-failover'] });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(
      await eventually(
        () => one.seen.resyncs === resyncs[0]! + 1 && two.seen.resyncs === resyncs[1]! + 1,
        20_000,
        10,
      ),
    ).toBe(true);
    await cluster.waitHealthy(20_000);
    // Either delivered, or covered by the resync two did after it was published.
    expect(await eventually(() => buses[0]!.pending === 0, 10_000, 10)).toBe(true);
    const promoted = await cluster.masterOf(channel);
    expect(promoted).not.toBe(master);
    expect(await onNode(promoted, 'PUBSUB', 'SHARDNUMSUB', channel)).toEqual([channel, 2]);
    await expectCarried(two.registry, one.got);
    await expectCarried(one.registry, two.got);
  }, 60_000);
});

describePrivateRedis('RedisBus behind Redis Sentinel', () => {
  let sentinel: PrivateSentinel;
  const clients: Redis[] = [];
  const buses: RedisBus[] = [];
  let one: ReturnType<typeof registryOn>;
  let two: ReturnType<typeof registryOn>;
  beforeAll(async () => {
    sentinel = await PrivateSentinel.start();
    for (let i = 0; i < 2; i++) {
      const client = new Redis({ sentinels: sentinel.sentinels, name: SENTINEL_MASTER });
      client.on('error', () => {});
      clients.push(client);
      buses.push(new RedisBus({ client, onError: () => {} }));
    }
    one = registryOn('one', buses[0]!);
    two = registryOn('two', buses[1]!);
    expect(await Promise.all(buses.map((b) => b.ready(10_000)))).toEqual([true, true]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([one?.registry.shutdown(), two?.registry.shutdown()]);
    for (const c of clients) c.disconnect();
    await sentinel?.stop();
  });

  it('carries invalidations, and through a failover resubscribes on the new master and resyncs', async () => {
    await expectCarried(one.registry, two.got);
    const resyncs = [one.seen.resyncs, two.seen.resyncs];
    const failover = sentinel.failover();
    await one.registry.invalidate({ tags: ['during-failover'] });
    const master = await failover;
    expect(
      await eventually(
        () => one.seen.resyncs === resyncs[0]! + 1 && two.seen.resyncs === resyncs[1]! + 1,
        20_000,
        10,
      ),
    ).toBe(true);
    expect(await eventually(() => buses[0]!.pending === 0, 10_000, 10)).toBe(true);
    // Both subscribers (the buses' duplicates of the clients) are on the promoted replica.
    expect(await onNode(master, 'PUBSUB', 'NUMSUB', 'hotpath:invalidate')).toEqual([
      'hotpath:invalidate',
      2,
    ]);
    await expectCarried(two.registry, one.got);
    await expectCarried(one.registry, two.got);
  }, 60_000);

  it('closes the subscriber it opened, never the client it was given', async () => {
    const master = await sentinel.masterPort();
    const bus = new RedisBus({ client: clients[0]!, channel: 'closing', onError: () => {} });
    expect(await bus.ready(10_000)).toBe(true);
    expect(await onNode(master, 'PUBSUB', 'NUMSUB', 'closing')).toEqual(['closing', 1]);
    await bus.close();
    expect(
      await eventually(async () => {
        const [, count] = (await onNode(master, 'PUBSUB', 'NUMSUB', 'closing')) as [string, number];
        return count === 0;
      }, 5_000),
    ).toBe(true);
    expect(clients[0]!.status).toBe('ready');
    expect(await clients[0]!.ping()).toBe('PONG');
  }, 30_000);
});
