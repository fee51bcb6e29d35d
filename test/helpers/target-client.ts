/**
 * The child side of `targetEnv()` (`redis-engine-run.ts`), for worker fixtures: clients on the
 * Redis the environment names: a cluster (CLUSTER_PORTS, comma-separated loopback ports), a
 * Sentinel set (SENTINEL_PORTS, SENTINEL_NAME) or one node (REDIS_URL). ioredis for the bus, the
 * lock and the limiter; node-redis for the store.
 *
 * No Jest import: fixtures run with `node --import tsx`.
 */
import { createClient, createCluster, createSentinel } from '@keyv/redis';
import { Cluster, Redis } from 'ioredis';

const loopback = (ports: string): { host: string; port: number }[] =>
  ports.split(',').map((port) => ({ host: '127.0.0.1', port: Number(port) }));

/**
 * A new client on the target. Its own `error` events are swallowed: a failover refuses
 * connections for a while, and what each integration does about it is what the suites check.
 */
export function targetClient(env: NodeJS.ProcessEnv = process.env): Cluster | Redis {
  const client = env.CLUSTER_PORTS
    ? new Cluster(loopback(env.CLUSTER_PORTS))
    : env.SENTINEL_PORTS
      ? new Redis({ sentinels: loopback(env.SENTINEL_PORTS), name: env.SENTINEL_NAME! })
      : new Redis(env.REDIS_URL!);
  client.on('error', () => {});
  return client;
}

/**
 * A node-redis client on the target, for `redisStore({ client })`: `createCluster()` or
 * `createSentinel()` (re-exported by `@keyv/redis`), or `createClient()`; not connected yet.
 * Its `error` events are swallowed, as {@link targetClient}'s.
 */
export function targetStoreClient(env: NodeJS.ProcessEnv = process.env) {
  const client = env.CLUSTER_PORTS
    ? createCluster({
        rootNodes: env.CLUSTER_PORTS.split(',').map((port) => ({
          url: `redis://127.0.0.1:${port}`,
        })),
      })
    : env.SENTINEL_PORTS
      ? createSentinel({
          name: env.SENTINEL_NAME!,
          sentinelRootNodes: loopback(env.SENTINEL_PORTS),
        })
      : createClient({ url: env.REDIS_URL! });
  client.on('error', () => {});
  return client;
}
