/**
 * `HotpathCacheInterceptor` given as a class: Nest builds it with the registry of the
 * `HotpathModule` in scope (its figures and shutdown), and with the default registry in an
 * application without one.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, UseInterceptors, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { hotpath, type Hotpath } from '../../src/index.js';
import {
  HOTPATH_REGISTRY,
  HotpathCacheInterceptor,
  HotpathModule,
} from '../../src/nestjs/index.js';

@Controller()
@UseInterceptors(HotpathCacheInterceptor)
class PageController {
  runs = 0;

  @Get('page')
  page(): { run: number } {
    return { run: ++this.runs };
  }
}

/** The `@cached` figures of the interceptor's response function in `registry`, if any. */
function responseFigures(registry: Hotpath): unknown {
  const { methods } = registry.stats() as unknown as {
    methods: Record<string, { cached?: unknown } | undefined>;
  };
  return methods.response?.cached;
}

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(imports: never[]): Promise<string[]> {
  const moduleRef = await Test.createTestingModule({
    imports,
    controllers: [PageController],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const statuses: string[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/page`);
    await res.text();
    statuses.push(res.headers.get('cache-status') ?? '');
  }
  return statuses;
}

describe('HotpathCacheInterceptor built by Nest', () => {
  it("uses the HotpathModule's registry", async () => {
    const statuses = await serve([HotpathModule.forRoot({ name: 'pages' }) as never]);
    expect(statuses).toEqual(['hotpath; fwd=uri-miss; stored', 'hotpath; hit']);
    const registry = app!.get<Hotpath>(HOTPATH_REGISTRY);
    expect(registry.name).toBe('pages');
    expect(responseFigures(registry)).toMatchObject({ hits: 1, misses: 1 });
    expect(responseFigures(hotpath)).toBeUndefined();
  });

  it('uses the default registry without a HotpathModule', async () => {
    const statuses = await serve([]);
    expect(statuses).toEqual(['hotpath; fwd=uri-miss; stored', 'hotpath; hit']);
    expect(responseFigures(hotpath)).toMatchObject({ hits: 1, misses: 1 });
  });
});
