/**
 * A private `redis-server` for tests and scripts that stop, freeze, flush and restart Redis:
 * never the shared one on 6379, which other suites (and engineers) use. Runs as a child of the
 * calling process on a free port, in memory only (`--save '' --appendonly no`) unless given a
 * data directory (then with an append-only file there, so a restart brings the old data back),
 * and is killed by `kill()`.
 *
 * No Jest import here: `npm run soak` uses it outside Jest. The suite helpers
 * (`describePrivateRedis`, `usePrivateRedis`) are in `redis-server.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

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

/**
 * Sends one inline command on a connection of its own; resolves whether the reply starts with
 * `expected` within `ms` (false on no answer, refusal or another reply, e.g. `-LOADING`).
 */
function answers(port: number, command: string, expected: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => done(data.toString().startsWith(expected)));
  });
}

const answersPing = (port: number): Promise<boolean> => answers(port, 'PING', '+PONG', 200);

/** How a {@link PrivateRedis} keeps its data. */
export interface PrivateRedisOptions {
  /**
   * A directory for an append-only file (`--appendonly yes --dir <dir>`, fsync every second):
   * a killed and restarted server loads its data back, as a production Redis with AOF does.
   * Default: none, the server keeps nothing across a restart.
   */
  dir?: string;
}

/** A redis-server child process on a fixed port that can be killed and started again. */
export class PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly #persistence: string[];
  #child: ChildProcess | undefined;

  private constructor(port: number, options: PrivateRedisOptions) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.#persistence =
      options.dir === undefined
        ? ['--save', '', '--appendonly', 'no']
        : ['--save', '', '--appendonly', 'yes', '--dir', options.dir];
  }

  /** A server for a free port, not started yet: for "Redis is down at start-up". */
  static async reserve(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    return new PrivateRedis(await freePort(), options);
  }

  /** Starts a server on a free port and waits until it answers PING. */
  static async start(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort(), options);
    await server.start();
    return server;
  }

  /** (Re)starts the server on its port; resolves once it answers PING (at most 5 s). */
  async start(): Promise<void> {
    if (this.#child) return;
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', ...this.#persistence],
      { stdio: 'ignore' },
    );
    this.#child = child;
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
    if (await this.answering(5_000)) return;
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

  /** Sends FLUSHALL; resolves whether the server answered OK within `ms`. */
  flushAll(ms = 2_000): Promise<boolean> {
    return answers(this.port, 'FLUSHALL', '+OK', ms);
  }

  /** Resolves true once the server answers PING (polled every 10 ms), false after `ms`. */
  async answering(ms = 5_000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await answersPing(this.port)) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
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
