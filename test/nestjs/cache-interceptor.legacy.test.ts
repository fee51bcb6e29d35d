/**
 * `HotpathCacheInterceptor` in a real Nest application over loopback HTTP: responses cached
 * across requests by method, URL and `vary`, one handler run for concurrent requests, ttl,
 * stale-while-revalidate and tags through `@cached`, and the RFC 9211 `Cache-Status` header on
 * every response. The registry's clock is moved by hand for the ttl figures.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  Param,
  Post,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type INestApplication,
  type NestInterceptor,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Observable } from 'rxjs';
import { createHotpath } from '../../src/index.js';
import { HotpathCacheInterceptor } from '../../src/nestjs/index.js';
import { eventually } from '../helpers/eventually.js';

let now = 1_000_000;
const registry = createHotpath({
  name: 'responses',
  clock: {
    now: () => now,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  },
});

let arrived = 0;
/** Counts requests reaching the cache (it sits inside this interceptor). */
@Injectable()
class Arrivals implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    arrived++;
    return next.handle();
  }
}

let release: (() => void) | undefined;

@Controller()
@UseInterceptors(
  Arrivals,
  new HotpathCacheInterceptor(
    {
      ttl: '1m',
      staleWhileRevalidate: '1h',
      vary: (req: { headers: Record<string, string | undefined> }) => req.headers['x-user'],
      tags: (body: { id: string }) => [`item:${body.id}`],
    },
    registry,
  ),
)
class ItemController {
  runs = 0;
  slowRuns = 0;

  @Get('items/:id')
  item(@Param('id') id: string): { id: string; run: number } {
    return { id, run: ++this.runs };
  }

  @Get('slow')
  async slow(): Promise<{ id: string; run: number }> {
    await new Promise<void>((resolve) => (release = resolve));
    release = undefined;
    return { id: 'slow', run: ++this.slowRuns };
  }

  @Get('broken')
  broken(): never {
    throw new Error('down');
  }

  @Post('items/:id')
  write(@Param('id') id: string): { id: string; run: number } {
    return { id, run: ++this.runs };
  }
}

let app: INestApplication;
let base: string;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({ controllers: [ItemController] }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await app?.close();
  await registry.shutdown();
});

async function call(
  path: string,
  init: { method?: string; user?: string } = {},
): Promise<{ status: number; body: unknown; cacheStatus: string | null }> {
  const res = await fetch(base + path, {
    method: init.method ?? 'GET',
    headers: init.user ? { 'x-user': init.user } : {},
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text.startsWith('{') ? JSON.parse(text) : text,
    cacheStatus: res.headers.get('cache-status'),
  };
}

describe('HotpathCacheInterceptor', () => {
  it('stores a response, serves it to the next request, and says so in Cache-Status', async () => {
    expect(await call('/items/1')).toEqual({
      status: 200,
      body: { id: '1', run: 1 },
      cacheStatus: 'hotpath; fwd=uri-miss; stored',
    });
    now += 15_000;
    expect(await call('/items/1')).toEqual({
      status: 200,
      body: { id: '1', run: 1 },
      cacheStatus: 'hotpath; hit; ttl=45',
    });
  });

  it('keys by method, URL and vary', async () => {
    expect(await call('/items/1', { user: 'ada' })).toMatchObject({
      body: { id: '1', run: 2 },
      cacheStatus: 'hotpath; fwd=uri-miss; stored',
    });
    expect(await call('/items/1', { user: 'ada' })).toMatchObject({
      body: { id: '1', run: 2 },
      cacheStatus: 'hotpath; hit; ttl=60',
    });
    expect(await call('/items/2')).toMatchObject({ body: { id: '2', run: 3 } });
    expect(await call('/items/1', { method: 'POST' })).toMatchObject({
      status: 201,
      body: { id: '1', run: 4 },
      cacheStatus: 'hotpath; fwd=method',
    });
  });

  it('runs the handler once for concurrent requests of one key', async () => {
    const before = arrived;
    const responses = Promise.all([call('/slow'), call('/slow'), call('/slow')]);
    // All three reached the cache, and the first one's handler is waiting.
    expect(await eventually(() => arrived - before === 3 && release !== undefined, 5_000)).toBe(
      true,
    );
    release!();
    const statuses = (await responses).map((r) => [r.body, r.cacheStatus]);
    expect(app.get(ItemController).slowRuns).toBe(1);
    expect(statuses.map(([body]) => body)).toEqual([
      { id: 'slow', run: 1 },
      { id: 'slow', run: 1 },
      { id: 'slow', run: 1 },
    ]);
    expect(statuses.map(([, s]) => s).sort()).toEqual([
      'hotpath; fwd=uri-miss; collapsed',
      'hotpath; fwd=uri-miss; collapsed',
      'hotpath; fwd=uri-miss; stored',
    ]);
  });

  it('serves a stale response (negative ttl) while the handler runs again in the background', async () => {
    const controller = app.get(ItemController);
    expect(await call('/items/3')).toMatchObject({ body: { id: '3' } });
    const runs = controller.runs;
    now += 90_000; // 30 s past the ttl, inside staleWhileRevalidate
    expect(await call('/items/3')).toMatchObject({
      body: { id: '3', run: runs },
      cacheStatus: 'hotpath; hit; ttl=-30',
    });
    expect(await eventually(() => controller.runs === runs + 1, 5_000)).toBe(true);
    expect(
      await eventually(
        async () => (await call('/items/3')).cacheStatus === 'hotpath; hit; ttl=60',
        5_000,
      ),
    ).toBe(true);
    expect((await call('/items/3')).body).toEqual({ id: '3', run: runs + 1 });
  });

  it('drops responses by tag through registry.invalidate', async () => {
    const first = await call('/items/4');
    expect((await call('/items/4')).cacheStatus).toBe('hotpath; hit; ttl=60');
    await registry.invalidate({ tags: ['item:4'] });
    const again = await call('/items/4');
    expect(again.cacheStatus).toBe('hotpath; fwd=uri-miss; stored');
    expect(again.body).not.toEqual(first.body);
  });

  it('caches no error, and marks it a miss', async () => {
    expect(await call('/broken')).toMatchObject({
      status: 500,
      cacheStatus: 'hotpath; fwd=uri-miss',
    });
    expect((await call('/broken')).cacheStatus).toBe('hotpath; fwd=uri-miss');
  });
});
