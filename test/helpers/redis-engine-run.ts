/**
 * Runs `fixtures/redis-engine-worker.ts` child processes that share one `engine: 'redis'`
 * limiter, on a single Redis or a Redis Cluster, and collects their start times and failures.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { childEnv } from './child-env.js';
import { REPO_ROOT } from '../setup/jest-project.js';

const FIXTURE = path.join(REPO_ROOT, 'test/rate-limit/fixtures/redis-engine-worker.ts');

/** What every worker reported. */
export interface EngineRun {
  /** Start times (epoch ms) per worker. */
  readonly starts: number[][];
  /** Failed calls' messages, all workers. */
  readonly failed: string[];
  /** When the workers began calling (epoch ms). */
  readonly startAt: number;
}

/** Where a worker's Redis is: one node, a cluster (its nodes' ports) or a Sentinel set. */
export type RedisTarget =
  { url: string } | { ports: readonly number[] } | { sentinels: readonly number[]; name: string };

/**
 * The environment that points a worker at `target`: REDIS_URL, CLUSTER_PORTS (comma-separated
 * loopback ports), or SENTINEL_PORTS and SENTINEL_NAME.
 */
export function targetEnv(target: RedisTarget): Record<string, string> {
  if ('url' in target) return { REDIS_URL: target.url };
  if ('ports' in target) return { CLUSTER_PORTS: target.ports.join(',') };
  return { SENTINEL_PORTS: target.sentinels.join(','), SENTINEL_NAME: target.name };
}

/**
 * Starts `workers` processes (pointed at a single Redis, a cluster or a Sentinel set by `target`), each
 * making `calls` calls of a limiter `key` of `limit` per `interval`, starting together; runs
 * `during(startAt)` meanwhile.
 */
export async function runEngineWorkers(options: {
  target: RedisTarget;
  key: string;
  limit: number;
  interval: number;
  calls: number;
  workers: number;
  arrival?: number;
  redisTimeout?: number;
  during?: (startAt: number) => Promise<void>;
}): Promise<EngineRun> {
  const startAt = Date.now() + 5_000;
  const env = childEnv({
    ...targetEnv(options.target),
    KEY: options.key,
    LIMIT: String(options.limit),
    INTERVAL: String(options.interval),
    CALLS: String(options.calls),
    START_AT: String(startAt),
    ARRIVAL_MS: String(options.arrival ?? 0),
    REDIS_TIMEOUT: String(options.redisTimeout ?? 5_000),
  });
  const run = (worker: string): Promise<{ starts: number[]; failed: string[] }> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
        cwd: REPO_ROOT,
        env: { ...env, WORKER: worker },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code !== 0) {
          reject(new Error(`worker ${worker} exited with ${code}: ${err}`));
          return;
        }
        const lines = out
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { start?: number; failed?: string[] });
        resolve({
          starts: lines.flatMap((l) => (l.start === undefined ? [] : [l.start])),
          failed: lines.flatMap((l) => l.failed ?? []),
        });
      });
    });
  const names = Array.from({ length: options.workers }, (_, i) => String.fromCharCode(97 + i));
  const [results] = await Promise.all([Promise.all(names.map(run)), options.during?.(startAt)]);
  return {
    starts: results.map((r) => r.starts),
    failed: results.flatMap((r) => r.failed),
    startAt,
  };
}
