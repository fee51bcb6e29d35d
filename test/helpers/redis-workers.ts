/**
 * Starts and drives worker fixtures (real Node processes, each with its own registry, Redis
 * connections and memory tier) for the many-process suites: `fixtures/worker.ts` (one Redis) by
 * default, `fixtures/scale-out-worker.ts` (a Redis Cluster or Sentinel set) for scale-out. Each
 * answers through `worker-ipc.ts`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { childEnv } from './child-env.js';
import { MODE } from './mode.js';
import { REPO_ROOT } from '../setup/jest-project.js';

/** The fixture of a single Redis. */
const WORKER = path.join(REPO_ROOT, 'test/redis/fixtures/worker.ts');
/** The fixture of a Redis Cluster or Sentinel set. */
export const SCALE_OUT_WORKER = path.join(REPO_ROOT, 'test/redis/fixtures/scale-out-worker.ts');

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** What a worker reports once its bus is subscribed and its lock (if it has one) connected. */
export interface StartReport {
  pid: number;
  busReady: boolean;
  lockReady?: boolean;
  /** The decorator standard the child was compiled with. */
  mode: 'tc39' | 'legacy';
}

/** One child process and its request channel. */
export class Worker {
  readonly index: number;
  readonly child: ChildProcess;
  #next = 1;
  readonly #waiting = new Map<number, (reply: Reply) => void>();
  readonly exited: Promise<number | null>;

  constructor(index: number, env: Record<string, string>, fixture = WORKER) {
    this.index = index;
    this.child = fork(fixture, [], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      env: childEnv({ ...env, HOTPATH_WORKER: String(index) }),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.on('message', (reply: Reply) => {
      const resolve = this.#waiting.get(reply.id);
      if (resolve) {
        this.#waiting.delete(reply.id);
        resolve(reply);
      }
    });
  }

  /** Resolves the worker's start-up report (id 0), or rejects after `ms`. */
  started(ms: number): Promise<StartReport> {
    return this.#await(0, 'start', ms) as Promise<StartReport>;
  }

  /** Sends `{ op, ...fields }` and resolves its value; rejects on error or after `ms`. */
  request<T = unknown>(op: string, fields: Record<string, unknown> = {}, ms = 10_000): Promise<T> {
    const id = this.#next++;
    const reply = this.#await(id, op, ms) as Promise<T>;
    this.child.send({ id, op, ...fields });
    return reply;
  }

  #await(id: number, op: string, ms: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`worker ${this.index}: '${op}' got no reply within ${ms} ms`));
      }, ms);
      this.#waiting.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply.value);
        else reject(new Error(`worker ${this.index}: '${op}' failed: ${reply.error}`));
      });
    });
  }

  /**
   * Asks the worker to shut down and resolves `true` if it then exits by itself within `ms`
   * (no leaked handle); kills it otherwise and resolves `false`.
   */
  async stop(ms = 5_000): Promise<boolean> {
    if (this.child.exitCode !== null) return true;
    try {
      await this.request('exit', {}, ms);
    } catch {
      // fall through: killed below
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cleanExit = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
    clearTimeout(timer);
    if (!cleanExit) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    return cleanExit;
  }
}

/**
 * Starts `n` workers of `fixture` with `env` and waits until each has its bus subscribed and
 * its lock connected, and runs the decorator mode of the Jest project.
 */
export async function startWorkers(
  n: number,
  env: Record<string, string>,
  ms = 30_000,
  fixture = WORKER,
): Promise<Worker[]> {
  const workers = Array.from({ length: n }, (_, i) => new Worker(i, env, fixture));
  try {
    const reports = await Promise.all(workers.map((w) => w.started(ms)));
    for (const r of reports) {
      if (!r.busReady || r.lockReady === false)
        throw new Error(`worker ${r.pid} could not reach Redis`);
      if (r.mode !== MODE)
        throw new Error(`worker ${r.pid} runs ${r.mode} decorators, expected ${MODE}`);
    }
  } catch (error) {
    await Promise.all(workers.map((w) => w.stop(1_000)));
    throw error;
  }
  return workers;
}

/** Stops every worker; resolves whether all of them exited by themselves. */
export async function stopWorkers(workers: readonly Worker[]): Promise<boolean[]> {
  return Promise.all(workers.map((w) => w.stop()));
}
