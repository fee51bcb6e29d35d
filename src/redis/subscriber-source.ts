/**
 * Where `RedisBus`'s subscriber connects when it is given the user's ioredis client instead of
 * a URL.
 *
 * - A `Redis` (Sentinel-managed or not): a duplicate of it, so it follows the sentinels to the
 *   current master on every reconnect. Classic pub/sub: `SUBSCRIBE`, `PUBLISH`.
 * - A `Cluster`: sharded pub/sub. The channel is a key of one slot; `SPUBLISH` through the
 *   user's cluster reaches only that slot's shard, where the bus holds one `SSUBSCRIBE`
 *   connection to the master. (Classic `PUBLISH` on a cluster is copied to every node: its cost
 *   grows with the cluster.) ioredis's own sharded subscribers (`shardedSubscribers: true`)
 *   resubscribe silently after a failover, but the bus must know when messages may have been
 *   missed, to resync: so the bus keeps its own connection, and this source aims it at the
 *   slot's current master before each reconnect (a killed master, a `MOVED` reply, or the
 *   subscription ended by the server when the slot moved or its master stepped down).
 */
import type { Redis, RedisOptions } from 'ioredis';
import { ioredis } from './peers.js';
import { keySlot } from './key-slot.js';
import type { ConnectionSource, RedisCommandClient } from './connection.js';

/** The subscriber's source, the channel's name on the server, and whether it is sharded. */
export interface SubscriberSource {
  readonly source: ConnectionSource;
  /** The name messages arrive on: the cluster's `keyPrefix` (if any) and the channel. */
  readonly channel: string;
  /** `SSUBSCRIBE`/`SPUBLISH` (a cluster) rather than `SUBSCRIBE`/`PUBLISH`. */
  readonly sharded: boolean;
}

/** What of ioredis's `Cluster` the sharded subscriber reads (all public in ioredis 5). */
interface ClusterView {
  readonly isCluster: true;
  readonly status: string;
  /** Per slot, the `host:port` of the nodes serving it, master first (NAT-mapped already). */
  readonly slots: string[][];
  readonly options: { keyPrefix?: string; redisOptions?: RedisOptions };
  refreshSlotsCache(callback: () => void): void;
  once(event: 'ready', listener: () => void): unknown;
}

function isCluster(client: RedisCommandClient): client is RedisCommandClient & ClusterView {
  return (client as Partial<ClusterView>).isCluster === true;
}

/** The subscriber's source for the user's `client` and the bus's `channel`. */
export function subscriberSource(client: RedisCommandClient, channel: string): SubscriberSource {
  if (isCluster(client)) return shardSource(client, channel);
  const redis = client as unknown as Redis;
  const { name, sentinels, host, port } = redis.options;
  return {
    source: {
      host: sentinels ? `master '${name}' (Sentinel)` : `${host}:${port}`,
      open: (options) => redis.duplicate(options),
    },
    channel,
    sharded: false,
  };
}

function shardSource(cluster: ClusterView, channel: string): SubscriberSource {
  const name = (cluster.options.keyPrefix ?? '') + channel;
  const slot = keySlot(name);
  /** `[host, port]` of the slot's master as the cluster client last saw it. */
  const master = (): [string, number] | undefined => {
    const key = cluster.slots[slot]?.[0];
    if (key === undefined) return undefined;
    const colon = key.lastIndexOf(':');
    return [key.slice(0, colon), Number(key.slice(colon + 1))];
  };
  const aim = (client: Redis): void => {
    const target = master();
    if (!target) return;
    // ioredis reads host and port from this object at each connect (its connector shares it).
    client.options.host = target[0];
    client.options.port = target[1];
  };
  return {
    source: {
      host: `the master of slot ${slot} ('${name}')`,
      open(options) {
        const target = master();
        const client = new (ioredis('hotpath/redis').Redis)({
          // The user's per-node settings (password, TLS, ...), as the cluster's own connections.
          ...cluster.options.redisOptions,
          ...options,
          // The bus subscribes to the full name itself.
          keyPrefix: undefined,
          ...(target ? { host: target[0], port: target[1] } : { lazyConnect: true }),
        });
        if (!target) {
          // The cluster has not loaded its slot map yet: connect once it has.
          cluster.once('ready', () => {
            if (client.status !== 'wait') return;
            aim(client);
            client.connect().catch(() => {});
          });
        }
        return client;
      },
      beforeReconnect(client) {
        aim(client);
        // The map may be stale (the slot just moved, a replica is being promoted): reload it
        // and re-aim, which takes a few ms on a LAN, before this attempt connects (50 ms on).
        cluster.refreshSlotsCache(() => aim(client));
      },
    },
    channel: name,
    sharded: true,
  };
}
