/**
 * hotpath decorators in a real NestJS application served over loopback HTTP: written above or
 * below `@Get`, `@UseGuards`, `@UsePipes` and `@UseInterceptors`, they keep the route, the
 * guard, the pipe and the interceptor, and still do their own work. Nest needs
 * `experimentalDecorators` (legacy project only).
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  Param,
  ParseIntPipe,
  UseGuards,
  UseInterceptors,
  UsePipes,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  type NestInterceptor,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Observable } from 'rxjs';
import { bindHotpath, cached, control, createHotpath, retry } from '../../src/index.js';

const registry = createHotpath();

@Injectable()
class DenyAll implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Injectable()
class Stamp implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    context
      .switchToHttp()
      .getResponse<{ setHeader(name: string, value: string): void }>()
      .setHeader('x-stamp', 'yes');
    return next.handle();
  }
}

@Controller()
class Api {
  runs = 0;
  secretRuns = 0;

  constructor() {
    bindHotpath(this, registry);
  }

  @Get('guard-below')
  @cached()
  @UseGuards(DenyAll)
  guardBelow(): string {
    return `secret ${++this.secretRuns}`;
  }

  @UseGuards(DenyAll)
  @cached()
  @Get('guard-above')
  guardAbove(): string {
    return `secret ${++this.secretRuns}`;
  }

  // Two hotpath decorators share one wrapper: the guard between them and the route below both stay.
  @cached()
  @UseGuards(DenyAll)
  @retry({ attempts: 2, delay: 0 })
  @Get('stacked')
  async stacked(): Promise<string> {
    return `secret ${++this.secretRuns}`;
  }

  @cached()
  @Get('route-below')
  routeBelow(): { runs: number } {
    return { runs: ++this.runs };
  }

  @Get('route-above')
  @cached()
  routeAbove(): { runs: number } {
    return { runs: ++this.runs };
  }

  @Get('pipe-below/:n')
  @cached()
  @UsePipes(ParseIntPipe)
  pipeBelow(@Param('n') n: number): { type: string } {
    return { type: typeof n };
  }

  @UsePipes(ParseIntPipe)
  @cached()
  @Get('pipe-above/:n')
  pipeAbove(@Param('n') n: number): { type: string } {
    return { type: typeof n };
  }

  @Get('interceptor-below')
  @cached()
  @UseInterceptors(Stamp)
  interceptorBelow(): string {
    return 'ok';
  }

  @UseInterceptors(Stamp)
  @cached()
  @Get('interceptor-above')
  interceptorAbove(): string {
    return 'ok';
  }
}

let app: INestApplication;
let base: string;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({ controllers: [Api] }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await app?.close();
  await registry.shutdown();
});

async function get(path: string): Promise<{ status: number; body: unknown; stamp: string | null }> {
  const res = await fetch(base + path);
  const text = await res.text();
  return {
    status: res.status,
    body: text.startsWith('{') ? JSON.parse(text) : text,
    stamp: res.headers.get('x-stamp'),
  };
}

describe('hotpath decorators in a NestJS application', () => {
  it.each(['/guard-below', '/guard-above', '/stacked'])(
    'keeps the guard of %s: 403, the method never runs',
    async (path) => {
      expect(await get(path)).toMatchObject({ status: 403 });
      expect(app.get(Api).secretRuns).toBe(0);
    },
  );

  it('registers the route written below or above a hotpath decorator, and caches it', async () => {
    expect(await get('/route-below')).toMatchObject({ status: 200, body: { runs: 1 } });
    expect(await get('/route-below')).toMatchObject({ status: 200, body: { runs: 1 } });
    expect(await get('/route-above')).toMatchObject({ status: 200, body: { runs: 2 } });
    expect(await get('/route-above')).toMatchObject({ status: 200, body: { runs: 2 } });
    expect(control(app.get(Api), 'routeBelow').stats().cached).toMatchObject({
      hits: 1,
      misses: 1,
    });
  });

  it.each(['/pipe-below', '/pipe-above'])('keeps the pipe of %s', async (path) => {
    expect(await get(`${path}/21`)).toMatchObject({ status: 200, body: { type: 'number' } });
    expect(await get(`${path}/abc`)).toMatchObject({ status: 400 });
  });

  it.each(['/interceptor-below', '/interceptor-above'])(
    'keeps the interceptor of %s',
    async (path) => {
      expect(await get(path)).toEqual({ status: 200, body: 'ok', stamp: 'yes' });
    },
  );
});
