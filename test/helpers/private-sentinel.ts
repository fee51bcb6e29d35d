/**
 * A private Redis Sentinel set for tests and scripts: one master, one replica and three
 * sentinels (`redis-server <conf> --sentinel`: there is no `redis-sentinel` binary here), all
 * child processes on free loopback ports, never the shared Redis on 6379. The master is
 * declared down after 1 s without answers (`down-after-milliseconds 1000`), so a failover takes
 * a few seconds. {@link PrivateSentinel.stop} kills everything and removes the config files.
 *
 * No Jest import here (like `private-redis.ts`): usable outside Jest.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './private-redis.js';
import { sleepMs } from './time.js';

/** The master's name the sentinels monitor. */
export const SENTINEL_MASTER = 'hotpath';

/** Runs `redis-cli -p port ...args`; resolves its stdout, or '' on failure. */
function cli(port: number, args: string[], ms = 1_000): Promise<string> {
  return new Promise((resolve) => {
    execFile('redis-cli', ['-p', String(port), ...args], { timeout: ms }, (error, stdout) =>
      resolve(error ? '' : stdout),
    );
  });
}

/** A master, a replica and three sentinels. */
export class PrivateSentinel {
  /** The ports of the data nodes: [first master, first replica]. */
  readonly dataPorts: readonly number[];
  readonly sentinelPorts: readonly number[];
  readonly #dir: string;
  readonly #children = new Map<number, ChildProcess>();

  private constructor(dataPorts: number[], sentinelPorts: number[], dir: string) {
    this.dataPorts = dataPorts;
    this.sentinelPorts = sentinelPorts;
    this.#dir = dir;
  }

  /** `[{ host, port }]` of the sentinels, for `new Redis({ sentinels, name: SENTINEL_MASTER })`. */
  get sentinels(): { host: string; port: number }[] {
    return this.sentinelPorts.map((port) => ({ host: '127.0.0.1', port }));
  }

  /** Starts the set and waits until every sentinel knows the master, the replica and the others. */
  static async start(): Promise<PrivateSentinel> {
    const ports = new Set<number>();
    while (ports.size < 5) ports.add(await freePort());
    const [master, replica, ...sentinels] = [...ports];
    const set = new PrivateSentinel(
      [master!, replica!],
      sentinels,
      mkdtempSync(path.join(tmpdir(), 'hotpath-sentinel-')),
    );
    try {
      await set.#spawn(master!, ['--port', String(master)]);
      await set.#spawn(replica!, [
        '--port',
        String(replica),
        '--replicaof',
        '127.0.0.1',
        String(master),
      ]);
      for (const port of sentinels) {
        const conf = path.join(set.#dir, `sentinel-${port}.conf`);
        writeFileSync(
          conf,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${set.#dir}`,
            `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${master} 2`,
            `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
            `sentinel failover-timeout ${SENTINEL_MASTER} 5000`,
            `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
            '',
          ].join('\n'),
        );
        await set.#spawn(port, [conf, '--sentinel']);
      }
      await set.#waitReady(20_000);
    } catch (error) {
      await set.stop();
      throw error;
    }
    return set;
  }

  async #spawn(port: number, args: string[]): Promise<void> {
    const persistence = args[0]!.endsWith('.conf')
      ? []
      : ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.#dir];
    const child = spawn('redis-server', [...args, ...persistence], { stdio: 'ignore' });
    this.#children.set(port, child);
    child.once('exit', () => {
      if (this.#children.get(port) === child) this.#children.delete(port);
    });
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      if ((await cli(port, ['ping'])).startsWith('PONG')) return;
      await sleepMs(20);
    }
    throw new Error(`redis-server on port ${port} did not start within 5 s`);
  }

  async #waitReady(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const link = await cli(this.dataPorts[1]!, ['info', 'replication']);
      const views = await Promise.all(
        this.sentinelPorts.map((p) => cli(p, ['sentinel', 'master', SENTINEL_MASTER])),
      );
      const ready = views.every((v) => {
        const lines = v.split('\n').map((l) => l.trim());
        const field = (name: string): string | undefined => lines[lines.indexOf(name) + 1];
        return field('num-slaves') === '1' && field('num-other-sentinels') === '2';
      });
      if (ready && link.includes('master_link_status:up')) return;
      await sleepMs(100);
    }
    throw new Error(
      `the sentinels did not see the master, its replica and each other within ${ms} ms`,
    );
  }

  /** The master's port as the first live sentinel reports it. */
  async masterPort(): Promise<number> {
    for (const p of this.sentinelPorts) {
      const reply = await cli(p, ['sentinel', 'get-master-addr-by-name', SENTINEL_MASTER]);
      const port = Number(reply.trim().split('\n')[1]);
      if (port > 0) return port;
    }
    throw new Error('no sentinel answers');
  }

  /**
   * Kills the current master (SIGKILL) and resolves the new master's port once the sentinels
   * have promoted the replica and it accepts writes; rejects after `ms`.
   */
  async failover(ms = 30_000): Promise<number> {
    const old = await this.masterPort();
    await this.#kill(old);
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const now = await this.masterPort().catch(() => old);
      if (now !== old && (await cli(now, ['info', 'replication'])).includes('role:master')) {
        return now;
      }
      await sleepMs(100);
    }
    throw new Error(`the sentinels did not promote the replica within ${ms} ms`);
  }

  async #kill(port: number): Promise<void> {
    const child = this.#children.get(port);
    if (!child) return;
    this.#children.delete(port);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills every process and removes the directory. */
  async stop(): Promise<void> {
    await Promise.all([...this.#children.keys()].map((port) => this.#kill(port)));
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
