/**
 * `HotpathModule` in a real Nest application over loopback HTTP: providers and controllers of
 * two modules bound to two registries without `bindHotpath`, the registry injectable, caching
 * across requests, request-scoped providers, a 429 with its headers through
 * `HotpathExceptionFilter`, guards and routes intact, and `app.close()` flushing a pending
 * batch. Nest needs `experimentalDecorators` (legacy project only).
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Param,
  Scope,
  UseGuards,
  type CanActivate,
  type INestApplication,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { batched, cached, control, rateLimit, type Hotpath } from '../../src/index.js';
import {
  HOTPATH_REGISTRY,
  HotpathExceptionFilter,
  HotpathModule,
  InjectHotpath,
} from '../../src/nestjs/index.js';

@Injectable()
class DenyAll implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Injectable()
class UserService {
  runs = 0;
  constructor(@InjectHotpath() readonly registry: Hotpath) {}

  @cached({ ttl: '1m' })
  async getUser(id: string): Promise<{ id: string; runs: number }> {
    return { id, runs: ++this.runs };
  }

  @rateLimit({ limit: 2, interval: '1m', onLimit: 'reject' })
  async expensive(): Promise<string> {
    return 'done';
  }
}

/** A new instance per request: the shared memo serves them all, the instance memo only one. */
@Injectable({ scope: Scope.REQUEST })
class RequestGreeter {
  static sharedRuns = 0;
  static ownRuns = 0;

  @cached({ scope: 'shared' })
  async greet(name: string): Promise<string> {
    return `hello ${name} (${++RequestGreeter.sharedRuns})`;
  }

  @cached()
  async own(): Promise<number> {
    return ++RequestGreeter.ownRuns;
  }
}

@Controller('users')
class UserController {
  secretRuns = 0;
  constructor(private readonly users: UserService) {}

  @Get('limited')
  expensive(): Promise<string> {
    return this.users.expensive();
  }

  @cached()
  @UseGuards(DenyAll)
  @Get('guard-below')
  async guardBelow(): Promise<string> {
    return `secret ${++this.secretRuns}`;
  }

  @UseGuards(DenyAll)
  @Get('guard-above')
  @cached()
  async guardAbove(): Promise<string> {
    return `secret ${++this.secretRuns}`;
  }

  @Get(':id')
  getUser(@Param('id') id: string): Promise<{ id: string; runs: number }> {
    return this.users.getUser(id);
  }
}

@Controller('greet')
class GreetController {
  constructor(private readonly greeter: RequestGreeter) {}

  @Get(':name')
  async greet(@Param('name') name: string): Promise<{ text: string; own: number[] }> {
    // Two calls in one request: the instance memo serves the second.
    const own = [await this.greeter.own(), await this.greeter.own()];
    return { text: await this.greeter.greet(name), own };
  }
}

@Injectable()
class OrderService {
  readonly written: string[][] = [];
  constructor(@InjectHotpath() readonly registry: Hotpath) {}

  @batched({ maxWait: '1h' }) // never dispatched by time in this test: only shutdown flushes it
  async save(ids: string[]): Promise<string[]> {
    this.written.push(ids);
    return ids.map((id) => `saved ${id}`);
  }

  @cached()
  async count(): Promise<number> {
    return this.written.length;
  }
}

@Controller('orders')
class OrderController {
  constructor(private readonly orders: OrderService) {}

  @Get('count')
  count(): Promise<number> {
    return this.orders.count();
  }
}

@Module({
  imports: [HotpathModule.forRoot({ name: 'orders', global: false })],
  providers: [OrderService],
  controllers: [OrderController],
})
class OrdersModule {}

@Module({
  imports: [HotpathModule.forRoot({ name: 'app' }), OrdersModule],
  providers: [
    UserService,
    RequestGreeter,
    DenyAll,
    { provide: APP_FILTER, useClass: HotpathExceptionFilter },
  ],
  controllers: [UserController, GreetController],
})
class AppModule {}

let app: INestApplication;
let base: string;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await app?.close(); // idempotent: the shutdown test closes it first
});

async function get(path: string): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(base + path);
  const text = await res.text();
  return {
    status: res.status,
    body: /^[[{]/.test(text) ? JSON.parse(text) : text,
    headers: res.headers,
  };
}

function methods(registry: Hotpath): string[] {
  return Object.keys(registry.stats().methods).sort();
}

describe('HotpathModule in a NestJS application', () => {
  it('binds the providers and controllers of two modules to their two registries', async () => {
    const users = app.get(UserService);
    const orders = app.get(OrderService, { strict: false });
    expect(users.registry.name).toBe('app');
    expect(orders.registry.name).toBe('orders');
    expect(app.select(OrdersModule).get<Hotpath>(HOTPATH_REGISTRY)).toBe(orders.registry);

    await get('/users/1');
    await get('/orders/count');
    await get('/users/guard-below');
    expect(methods(users.registry)).toEqual(['UserService.getUser']);
    expect(methods(orders.registry)).toEqual(['OrderService.count']);
  });

  it('caches across requests', async () => {
    const first = await get('/users/7');
    expect(first).toMatchObject({ status: 200, body: { id: '7' } });
    expect(await get('/users/7')).toMatchObject({ status: 200, body: first.body });
    const stats = control(app.get(UserService), 'getUser').stats().cached;
    expect(stats).toMatchObject({ hits: 1 });
  });

  it('keeps the guards of controller methods, whatever the decorator order', async () => {
    expect((await get('/users/guard-below')).status).toBe(403);
    expect((await get('/users/guard-above')).status).toBe(403);
    expect(app.get(UserController).secretRuns).toBe(0);
  });

  it('answers a rate-limited call with 429, Retry-After and the RateLimit headers', async () => {
    expect(await get('/users/limited')).toMatchObject({ status: 200, body: 'done' });
    expect(await get('/users/limited')).toMatchObject({ status: 200, body: 'done' });
    const refused = await get('/users/limited');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      statusCode: 429,
      message: 'Too Many Requests',
      error: 'Too Many Requests',
      code: 'E_RATE_LIMITED',
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit')).toBe(`"default";r=0;t=${retryAfter}`);
    expect(refused.headers.get('ratelimit-policy')).toBe('"default";q=2;w=60');
  });

  it('binds request-scoped providers: a shared memo across requests, an instance memo per request', async () => {
    const a = await get('/greet/ada');
    const b = await get('/greet/ada');
    expect(a.body).toEqual({ text: 'hello ada (1)', own: [1, 1] });
    expect(b.body).toEqual({ text: 'hello ada (1)', own: [2, 2] });
    const registry = app.get(UserService).registry;
    expect(methods(registry)).toEqual(
      expect.arrayContaining(['RequestGreeter.greet', 'RequestGreeter.own']),
    );
  });

  it('flushes a pending batch when the application closes', async () => {
    const orders = app.get(OrderService, { strict: false });
    const saved = Promise.all([orders.save(['o1']), orders.save(['o2'])]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(orders.written).toEqual([]);
    await app.close();
    await expect(saved).resolves.toEqual([['saved o1'], ['saved o2']]);
    expect(orders.written).toEqual([['o1', 'o2']]);
    await expect(orders.save(['o3'])).rejects.toMatchObject({ code: 'E_SHUTDOWN' });
    await expect(app.get(UserService).getUser('1')).rejects.toMatchObject({ code: 'E_SHUTDOWN' });
  });
});
