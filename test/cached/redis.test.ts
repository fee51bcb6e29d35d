import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createKeyv } from '@keyv/redis';
import { Redis } from 'ioredis';
import type Keyv from 'keyv';
import { bindHotpath, cached, control, createHotpath, type Hotpath } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';
import { describeRedis } from '../helpers/services.js';
import { turnEventLoop } from '../helpers/time.js';

let computed = 0;

interface Profile {
  id: bigint;
  joined: Date;
  roles: Set<string>;
  prefs: Map<string, unknown>;
  avatar: Buffer;
  hash: Uint8Array;
  nickname: string | undefined;
  score: number;
  limits: number[];
}

class Profiles {
  @cached({ store: 'redis', ttl: '1m', tags: (p: Profile) => [`profile:${p.id}`] })
  async get(id: bigint): Promise<Profile> {
    computed++;
    return {
      id,
      joined: new Date('2020-02-29T12:00:00.000Z'),
      roles: new Set(['admin', 'ops']),
      prefs: new Map<string, unknown>([
        ['theme', 'dark'],
        ['since', new Date(0)],
      ]),
      avatar: Buffer.from([0xff, 0xd8, 0x00]),
      hash: new Uint8Array([1, 2, 3]),
      nickname: undefined,
      score: Number.NaN,
      limits: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0],
    };
  }
}

describeRedis('@cached through real Redis (@keyv/redis)', (url) => {
  const namespace = `hotpath-test:cached:${process.pid}:${Date.now()}`;
  const keyvs: Keyv[] = [];
  let raw: Redis;
  const processes: Hotpath[] = [];

  /** A "process": its own keyv client and registry on the shared Redis. */
  const startProcess = (): Hotpath => {
    const keyv = createKeyv(url, { namespace }) as unknown as Keyv;
    keyv.on('error', () => {});
    keyvs.push(keyv);
    const registry = createHotpath({ stores: { redis: keyv } });
    processes.push(registry);
    return registry;
  };

  beforeAll(() => {
    raw = new Redis(url);
  });

  afterAll(async () => {
    const keys = await raw.keys(`${namespace}*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
    await Promise.all(processes.map((p) => p.shutdown()));
  });

  it('round-trips rich types through Redis between two processes', async () => {
    computed = 0;
    const pa = startProcess();
    // The tag was used before (the first value under a tag the store never saw is not shared).
    await pa.stores.redis!.set('hotpath:tag:profile:42', '1');
    const a = bindHotpath(new Profiles(), pa);
    const b = bindHotpath(new Profiles(), startProcess());
    const original = await a.get(42n);
    // Written in the background (after reading the tag's mark): wait for it.
    const written = async (): Promise<boolean> =>
      (await raw.keys(`${namespace}::hotpath:Profiles.get#*`)).length > 0;
    expect(await eventually(written, 5_000)).toBe(true);
    const copy = await b.get(42n);
    expect(computed).toBe(1);
    expect(copy).not.toBe(original);
    expect(copy).toEqual(original);
    expect(copy.avatar).toBeInstanceOf(Buffer);
    expect(copy.hash).toBeInstanceOf(Uint8Array);
    expect(Object.is(copy.limits[2], -0)).toBe(true);
    expect('nickname' in copy).toBe(true);
    // Stored once, under the namespaced key, with the entry's ttl.
    const [key] = await raw.keys(`${namespace}::hotpath:Profiles.get#*`);
    expect(key).toBe(`${namespace}::hotpath:Profiles.get#[42n]`);
    const pttl = await raw.pttl(key!);
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('clears (namespace mark) and invalidates tags across processes through Redis', async () => {
    computed = 0;
    const pa = startProcess();
    const pb = startProcess();
    for (const id of [1, 2]) await pa.stores.redis!.set(`hotpath:tag:profile:${id}`, '1');
    const a = bindHotpath(new Profiles(), pa);
    await a.get(1n);
    await a.get(2n);
    await turnEventLoop();
    expect(computed).toBe(2);
    await pa.invalidate({ tags: ['profile:1'] });
    const b = bindHotpath(new Profiles(), pb);
    await b.get(1n);
    await b.get(2n);
    expect(computed).toBe(3);
    await control(a, 'get').clear();
    const c = bindHotpath(new Profiles(), startProcess());
    await c.get(2n);
    expect(computed).toBe(4);
    expect(await raw.get(`${namespace}::hotpath:tag:profile:1`)).toMatch(/"value":"\d+"/);
    // Tag marks expire after 31 days, so they cannot pile up (a missing one makes older entries misses).
    const tagTtl = await raw.pttl(`${namespace}::hotpath:tag:profile:1`);
    expect(tagTtl).toBeGreaterThan(31 * 24 * 3_600_000 - 60_000);
    expect(tagTtl).toBeLessThanOrEqual(31 * 24 * 3_600_000);
  });
});
