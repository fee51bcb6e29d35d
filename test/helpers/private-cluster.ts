/**
 * A private Redis Cluster for tests and scripts: six `redis-server --cluster-enabled yes`
 * processes on free loopback ports (three masters, one replica each), joined with
 * `redis-cli --cluster create ... --cluster-replicas 1`. Never the shared Redis on 6379. Each
 * node runs in memory only, with its cluster config file in a temporary directory that
 * {@link PrivateCluster.stop} removes.
 *
 * `--cluster-node-timeout 1000`: a killed master is declared failed and its replica promoted in
 * about two seconds instead of the default fifteen, so failover tests take seconds.
 *
 * No Jest import here (like `private-redis.ts`): usable outside Jest.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './private-redis.js';

/** Runs `redis-cli` with `args`; resolves its stdout (rejects on a non-zero exit). */
function redisCli(args: string[], ms = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout: ms }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Whether a `CLUSTER NODES` line is a master not flagged as failing. */
function isLiveMaster(line: string): boolean {
  const flags = (line.split(' ')[2] ?? '').split(',');
  return flags.includes('master') && !flags.some((f) => f.startsWith('fail'));
}

import { sleepMs as sleep } from './time.js';

/** One node of a {@link PrivateCluster}. */
export interface ClusterNode {
  readonly port: number;
  /** Whether its process is running. */
  readonly alive: boolean;
}

/** A six-node Redis Cluster of child processes. */
export class PrivateCluster {
  readonly ports: readonly number[];
  readonly #dir: string;
  readonly #children = new Map<number, ChildProcess>();

  private constructor(ports: number[], dir: string) {
    this.ports = ports;
    this.#dir = dir;
  }

  /** `[{ host, port }]` of every node, for `new Cluster(cluster.startupNodes)`. */
  get startupNodes(): { host: string; port: number }[] {
    return this.ports.map((port) => ({ host: '127.0.0.1', port }));
  }

  /**
   * Starts six nodes, creates the cluster, and waits until every node says `cluster_state:ok`.
   * A node that cannot listen (its port or its bus port taken between the check and the
   * start, by another suite or any outgoing connection) fails the attempt: up to three
   * attempts, each on new ports.
   */
  static async start(): Promise<PrivateCluster> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await PrivateCluster.#startOnce();
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }

  static async #startOnce(): Promise<PrivateCluster> {
    const ports: number[] = [];
    while (ports.length < 6) {
      const port = await freePort();
      // The cluster bus listens on port + 10000: both must be free and distinct.
      if (port + 10_000 > 65_535 || ports.includes(port)) continue;
      if (!(await canListen(port + 10_000))) continue;
      ports.push(port);
    }
    const cluster = new PrivateCluster(ports, mkdtempSync(path.join(tmpdir(), 'hotpath-cluster-')));
    try {
      await Promise.all(ports.map((port) => cluster.#spawn(port)));
      await redisCli([
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ]);
      await cluster.waitHealthy(20_000);
      await cluster.#waitReplicasSynced(20_000);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  async #spawn(port: number): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        path.join(this.#dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '1000',
        // A replica may take over however long ago it last heard from its master: a cluster
        // created a second ago has replicas whose link is younger than the validity window.
        '--cluster-replica-validity-factor',
        '0',
        '--dir',
        this.#dir,
      ],
      { stdio: 'ignore' },
    );
    this.#children.set(port, child);
    child.once('exit', () => {
      if (this.#children.get(port) === child) this.#children.delete(port);
    });
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      if (await redisCli(['-p', String(port), 'ping'], 1_000).catch(() => '')) return;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`cluster node on port ${port} exited before it answered`);
      }
      await sleep(20);
    }
    throw new Error(`cluster node on port ${port} did not start within 5 s`);
  }

  /** The ports of the current masters (as the first live node sees them). */
  async masters(): Promise<number[]> {
    const live = this.ports.find((p) => this.#children.has(p));
    if (live === undefined) return [];
    const nodes = await redisCli(['-p', String(live), 'cluster', 'nodes']);
    return nodes
      .split('\n')
      .filter(isLiveMaster)
      .map((line) => Number(/:(\d+)@/.exec(line)?.[1]));
  }

  /** The port of the master that serves `key` now. */
  async masterOf(key: string): Promise<number> {
    const live = this.ports.find((p) => this.#children.has(p))!;
    const slot = Number((await redisCli(['-p', String(live), 'cluster', 'keyslot', key])).trim());
    const slots = await redisCli(['-p', String(live), 'cluster', 'nodes']);
    for (const line of slots.split('\n')) {
      if (!isLiveMaster(line)) continue;
      for (const range of line.split(' ').slice(8)) {
        const [lo, hi = lo] = range.split('-').map(Number);
        if (slot >= lo! && slot <= hi!) return Number(/:(\d+)@/.exec(line)?.[1]);
      }
    }
    throw new Error(`no master serves slot ${slot}`);
  }

  /**
   * Resolves once every live node reports `cluster_state:ok` and three live masters cover the
   * slots; rejects after `ms`.
   */
  async waitHealthy(ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const live = this.ports.filter((p) => this.#children.has(p));
      const states = await Promise.all(
        live.map((p) => redisCli(['-p', String(p), 'cluster', 'info'], 1_000).catch(() => '')),
      );
      if (states.every((s) => s.includes('cluster_state:ok'))) {
        const masters = await this.masters().catch(() => []);
        if (masters.length === 3 && masters.every((m) => this.#children.has(m))) return;
      }
      await sleep(100);
    }
    throw new Error(`the cluster did not become healthy within ${ms} ms`);
  }

  /** Resolves once every live replica reports `master_link_status:up`. */
  async #waitReplicasSynced(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const infos = await Promise.all(
        [...this.#children.keys()].map((p) =>
          redisCli(['-p', String(p), 'info', 'replication'], 1_000).catch(() => ''),
        ),
      );
      const replicas = infos.filter((i) => i.includes('role:slave'));
      if (replicas.length === 3 && replicas.every((i) => i.includes('master_link_status:up'))) {
        return;
      }
      await sleep(100);
    }
    throw new Error(`the cluster's replicas did not sync within ${ms} ms`);
  }

  /** Kills one node at once (SIGKILL), e.g. a master to make its replica take over. */
  async kill(port: number): Promise<void> {
    const child = this.#children.get(port);
    if (!child) return;
    this.#children.delete(port);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** The nodes and whether each runs. */
  get nodes(): ClusterNode[] {
    return this.ports.map((port) => ({ port, alive: this.#children.has(port) }));
  }

  /** Kills every node and removes the cluster's directory. */
  async stop(): Promise<void> {
    await Promise.all([...this.#children.keys()].map((port) => this.kill(port)));
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** Whether a listener can bind `port` on 127.0.0.1 now (it is closed again at once). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
