/**
 * A private `redis-server` for tests that stop and restart Redis: never the shared one on 6379,
 * which other suites (and engineers) use. Runs as a child of the test process on a free port,
 * in memory only (`--save '' --appendonly no`), and is killed by `stop()` / `kill()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { describeRedis } from '../setup/services.js';

/** Whether a `redis-server` binary can be started from this process. */
const HAS_REDIS_SERVER = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * A suite that starts its own `redis-server` (chaos, restarts, start-up). It runs with the
 * Redis suites (`REDIS_URL` set, as `.ci/run` does) and needs the binary on the `PATH`;
 * otherwise it is reported as skipped with the reason, never as passed.
 */
export function describePrivateRedis(name: string, body: () => void): void {
  if (!HAS_REDIS_SERVER) {
    describe.skip(`[skipped: no redis-server on the PATH] ${name}`, () => {
      it.skip('needs redis-server', () => {});
    });
    return;
  }
  describeRedis(name, () => body());
}

/** A free TCP port on 127.0.0.1, as the OS hands it out. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(200, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** A redis-server child process on a fixed port that can be killed and started again. */
export class PrivateRedis {
  readonly port: number;
  readonly url: string;
  #child: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
  }

  /** A server for a free port, not started yet: for "Redis is down at start-up". */
  static async reserve(): Promise<PrivateRedis> {
    return new PrivateRedis(await freePort());
  }

  /** Starts a server on a free port and waits until it answers PING. */
  static async start(): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort());
    await server.start();
    return server;
  }

  /** (Re)starts the server on its port; resolves once it answers PING (at most 5 s). */
  async start(): Promise<void> {
    if (this.#child) return;
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.#child = child;
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      if (await answersPing(this.port)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`redis-server on port ${this.port} did not start within 5 s`);
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  /** Lets a {@link PrivateRedis.pause}d server run again (SIGCONT). */
  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** Kills the server at once (SIGKILL: no goodbye to clients), and waits for it to be gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    child.kill('SIGCONT');
    await exited;
  }
}

/**
 * Starts a private server before the suite's tests and kills it after them; returns a getter for
 * it (call inside tests and hooks). Use inside {@link describePrivateRedis}.
 */
export function usePrivateRedis(): () => PrivateRedis {
  let server: PrivateRedis | undefined;
  beforeAll(async () => {
    server = await PrivateRedis.start();
  }, 10_000);
  afterAll(async () => {
    await server?.kill();
  });
  return () => server!;
}
