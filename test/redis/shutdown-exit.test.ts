/**
 * After `registry.shutdown()` the process exits by itself, whatever state Redis is in: still
 * connecting, down, killed mid-run or frozen. Each case is a real Node process
 * (`fixtures/shutdown-exit.ts`) with a store, a bus and a lock on a private Redis; a socket or
 * timer left behind would keep it alive, and the test then kills it and fails.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, expect, it } from '@jest/globals';
import { childEnv } from '../helpers/child-env.js';
import { REPO_ROOT } from '../setup/jest-project.js';
import { PrivateRedis, describePrivateRedis } from '../helpers/redis-server.js';
import { sleepMs } from '../helpers/time.js';

const FIXTURE = path.join(REPO_ROOT, 'test/redis/fixtures/shutdown-exit.ts');
/** Far above the bounded close (about a second) and far below a hang (minutes, or forever). */
const EXIT_LIMIT_MS = 10_000;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The fixture's output lines after `created`/`ready`: `shutdown <ms>`, `exit <ms>`. */
  after: string[];
}

/** One fixture process: its output lines so far, and a way to wait for one. */
class Fixture {
  readonly #child;
  readonly #lines: string[] = [];
  #stderr = '';
  readonly #exited: Promise<void>;

  constructor(url: string, when: 'at-once' | 'on-signal') {
    this.#child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, url, when], {
      cwd: REPO_ROOT,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    this.#child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      this.#lines.push(...lines);
    });
    this.#child.stderr.on('data', (chunk: Buffer) => void (this.#stderr += chunk.toString()));
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
  }

  /** Resolves once the fixture printed `line`; rejects after 20 s (start-up under load). */
  async printed(line: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!this.#lines.includes(line)) {
      if (Date.now() > deadline || this.#child.exitCode !== null)
        throw new Error(`the fixture never printed '${line}': ${this.#lines} ${this.#stderr}`);
      await sleepMs(20);
    }
  }

  /** Asks for the shutdown (SIGUSR2). */
  shutDown(): void {
    this.#child.kill('SIGUSR2');
  }

  /** Waits for the process to end by itself; kills it after {@link EXIT_LIMIT_MS}. */
  async outcome(): Promise<Outcome> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = await Promise.race([
      this.#exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), EXIT_LIMIT_MS))),
    ]);
    clearTimeout(timer);
    if (!ended) {
      this.#child.kill('SIGKILL');
      await this.#exited;
    }
    const from = this.#lines.findIndex((l) => l.startsWith('shutdown'));
    return {
      code: this.#child.exitCode,
      signal: this.#child.signalCode,
      after: (from === -1 ? [] : this.#lines.slice(from)).map((l) => l.replace(/\d+$/, 'N')),
    };
  }
}

const EXITED = { code: 0, signal: null, after: ['shutdown N', 'exit N'] };

describePrivateRedis('the process exits by itself after shutdown()', () => {
  let server: PrivateRedis | undefined;
  afterEach(async () => {
    await server?.kill();
    server = undefined;
  });

  it('while the connections are still being made (shutdown right after start)', async () => {
    server = await PrivateRedis.start();
    const fixture = new Fixture(server.url, 'at-once');
    expect(await fixture.outcome()).toEqual(EXITED);
  }, 40_000);

  it('while connecting to a server that accepts and never answers (frozen at start)', async () => {
    server = await PrivateRedis.start();
    server.pause();
    const fixture = new Fixture(server.url, 'on-signal');
    await fixture.printed('created');
    await sleepMs(300); // connected at the TCP level, the handshake unanswered
    fixture.shutDown();
    expect(await fixture.outcome()).toEqual(EXITED);
  }, 40_000);

  it('while Redis is down (nothing listens on the port)', async () => {
    server = await PrivateRedis.reserve();
    const fixture = new Fixture(server.url, 'on-signal');
    await fixture.printed('created');
    await sleepMs(300); // refused, waiting to reconnect
    fixture.shutDown();
    expect(await fixture.outcome()).toEqual(EXITED);
  }, 40_000);

  it('after Redis was killed mid-run', async () => {
    server = await PrivateRedis.start();
    const fixture = new Fixture(server.url, 'on-signal');
    await fixture.printed('ready');
    await server.kill();
    await sleepMs(200);
    fixture.shutDown();
    expect(await fixture.outcome()).toEqual(EXITED);
  }, 40_000);

  it('while Redis is frozen (SIGSTOP) with every connection open', async () => {
    server = await PrivateRedis.start();
    const fixture = new Fixture(server.url, 'on-signal');
    await fixture.printed('ready');
    server.pause();
    fixture.shutDown();
    expect(await fixture.outcome()).toEqual(EXITED);
  }, 40_000);
});
