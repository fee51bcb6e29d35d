/**
 * `expressRateLimit` and `fastifyRateLimit` on real servers over loopback under a bounded load:
 * several clients, each sending more requests than its limit, many at once. Per client, exactly
 * `limit` requests reach the handler and the rest get 429 with `Retry-After`, `RateLimit` and
 * `RateLimit-Policy`; in process, and shared by three servers through Redis (the native Redis
 * engine's per-key budgets). The window (a minute)
 * is far longer than the test, so no count depends on timing.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { createHotpath } from '../../src/index.js';
import { expressRateLimit, fastifyRateLimit } from '../../src/http/index.js';
import { describeRedis } from '../helpers/services.js';

const LIMIT = 10;
const CLIENTS = ['ada', 'grace', 'alan', 'barbara'];
const PER_CLIENT = 30;
const CONCURRENCY = 10;

interface Tally {
  ok: number;
  refused: number;
  headers: Headers | undefined;
}

/** Sends PER_CLIENT requests per client, CONCURRENCY at a time per client, all clients at once. */
async function load(bases: readonly string[]): Promise<Map<string, Tally>> {
  const tallies = new Map<string, Tally>();
  await Promise.all(
    CLIENTS.map(async (client) => {
      const tally: Tally = { ok: 0, refused: 0, headers: undefined };
      tallies.set(client, tally);
      for (let sent = 0; sent < PER_CLIENT; sent += CONCURRENCY) {
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async (_, i) => {
            const base = bases[(sent + i) % bases.length]!;
            const res = await fetch(`${base}/work`, { headers: { 'x-client': client } });
            await res.text();
            if (res.status === 200) tally.ok++;
            else if (res.status === 429) {
              tally.refused++;
              tally.headers = res.headers;
            } else throw new Error(`unexpected status ${res.status}`);
          }),
        );
      }
    }),
  );
  return tallies;
}

function expectLimited(tallies: Map<string, Tally>, served: Map<string, number>): void {
  for (const client of CLIENTS) {
    const tally = tallies.get(client)!;
    expect({ client, ok: tally.ok, refused: tally.refused, served: served.get(client) }).toEqual({
      client,
      ok: LIMIT,
      refused: PER_CLIENT - LIMIT,
      served: LIMIT,
    });
    const retryAfter = Number(tally.headers!.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(tally.headers!.get('ratelimit')).toBe(`"api";r=0;t=${retryAfter}`);
    expect(tally.headers!.get('ratelimit-policy')).toBe(`"api";q=${LIMIT};w=60`);
  }
}

const key = (req: { headers: Record<string, string | string[] | undefined> }): string | undefined =>
  req.headers['x-client'] as string | undefined;

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function expressServer(
  limiter: (request: never, response: never, next: never) => void,
  served: Map<string, number>,
): Promise<string> {
  const app = express();
  app.use(limiter as unknown as express.RequestHandler);
  app.get('/work', (req, res) => {
    const client = req.headers['x-client'] as string;
    served.set(client, (served.get(client) ?? 0) + 1);
    res.send('done');
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function fastifyServer(
  hook: (request: never, reply: never) => Promise<unknown>,
  served: Map<string, number>,
): Promise<string> {
  const app = Fastify();
  app.addHook('onRequest', hook as never);
  app.get('/work', async (request) => {
    const client = request.headers['x-client'] as string;
    served.set(client, (served.get(client) ?? 0) + 1);
    return 'done';
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  closers.push(() => app.close());
  return address;
}

describe('per-client rate limit over HTTP, in process', () => {
  it('Express: never more than the limit per client', async () => {
    const registry = createHotpath({ name: 'express' });
    closers.push(() => registry.shutdown());
    const served = new Map<string, number>();
    const base = await expressServer(
      expressRateLimit({ limit: LIMIT, interval: '1m', key, name: 'api', registry }),
      served,
    );
    expectLimited(await load([base]), served);
  });

  it('Fastify: never more than the limit per client', async () => {
    const served = new Map<string, number>();
    const base = await fastifyServer(
      fastifyRateLimit({ limit: LIMIT, interval: '1m', key, name: 'api' }),
      served,
    );
    expectLimited(await load([base]), served);
  });

  it('keys by the client address by default and exempts requests whose key is undefined', async () => {
    const served = new Map<string, number>();
    const base = await expressServer(expressRateLimit({ limit: 2, interval: '1m' }), served);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${base}/work`)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const open = await expressServer(
      expressRateLimit({ limit: 1, interval: '1m', key: () => undefined }),
      served,
    );
    for (let i = 0; i < 3; i++) expect((await fetch(`${open}/work`)).status).toBe(200);
  });

  it('refuses bad options when the middleware is made', () => {
    expect(() => expressRateLimit({ limit: 0, interval: '1m' })).toThrow(
      new TypeError('expressRateLimit: `limit` must be a positive integer, got 0'),
    );
    expect(() =>
      fastifyRateLimit({ limit: 1, interval: '1m', redis: { key: 'api' } as never }),
    ).toThrow(
      new TypeError(
        'fastifyRateLimit: `redis.client` must be an ioredis Redis or Cluster client, got undefined',
      ),
    );
    expect(() =>
      expressRateLimit({ limit: 1, interval: '1m', redis: 'redis://x' as never }),
    ).toThrow(
      new TypeError(
        "expressRateLimit: `redis` must be an object `{ client, key }` (an ioredis Redis or Cluster, and the limit's name in Redis), got 'redis://x'",
      ),
    );
  });
});

describeRedis('per-client rate limit over HTTP, shared through Redis', (url) => {
  it('two Express servers and a Fastify one share each client limit', async () => {
    const prefix = `hotpath:test:rl:${process.pid}:${Date.now()}:`;
    const clients = [new Redis(url), new Redis(url), new Redis(url)];
    for (const c of clients) closers.push(() => c.quit());
    const served = new Map<string, number>();
    const bases = [
      await expressServer(
        expressRateLimit({
          limit: LIMIT,
          interval: '1m',
          key,
          name: 'api',
          redis: { client: clients[0]!, key: prefix },
        }),
        served,
      ),
      await expressServer(
        expressRateLimit({
          limit: LIMIT,
          interval: '1m',
          key,
          name: 'api',
          redis: { client: clients[1]!, key: prefix },
        }),
        served,
      ),
      await fastifyServer(
        fastifyRateLimit({
          limit: LIMIT,
          interval: '1m',
          key,
          name: 'api',
          redis: { client: clients[2]!, key: prefix },
        }),
        served,
      ),
    ];
    expectLimited(await load(bases), served);
  });
});
