/**
 * `HotpathModule.forRootAsync` (the registry's config from another module's provider, as from
 * `ConfigService`), its pools, transient providers bound by class, and `HotpathExceptionFilter` per
 * controller: a `TimeoutError` is a 504 and a call after shutdown started a 503. A real Nest
 * application over loopback HTTP (legacy project only).
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Scope,
  UseFilters,
  type INestApplication,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  cached,
  pool,
  rateLimit,
  resource,
  timeout,
  withResource,
  type Hotpath,
} from '../../src/index.js';
import { HOTPATH_REGISTRY, HotpathExceptionFilter, HotpathModule } from '../../src/nestjs/index.js';

const SETTINGS = Symbol('settings');

@Module({
  providers: [{ provide: SETTINGS, useValue: { name: 'configured', perMinute: 1 } }],
  exports: [SETTINGS],
})
class SettingsModule {}

/** A new instance for every consumer. */
@Injectable({ scope: Scope.TRANSIENT })
class Clock {
  @cached({ scope: 'shared' })
  async now(): Promise<string> {
    return 'tick';
  }
}

let destroyed = 0;

@Injectable()
class Connections {
  /** Leases a connection from the registry's pool 'conn'. */
  @withResource('conn')
  async whoAmI(): Promise<string> {
    return resource<{ id: string }>('conn').id;
  }
}

@Injectable()
class Slow {
  @timeout('20ms')
  async hang(): Promise<string> {
    return new Promise(() => {});
  }

  @rateLimit({ limiter: 'perMinute', onLimit: 'reject' })
  async limited(): Promise<string> {
    return 'ok';
  }
}

@Controller()
@UseFilters(HotpathExceptionFilter)
class SlowController {
  constructor(
    private readonly slow: Slow,
    readonly clock: Clock,
  ) {}

  @Get('hang')
  hang(): Promise<string> {
    return this.slow.hang();
  }

  @Get('limited')
  limited(): Promise<string> {
    return this.slow.limited();
  }

  @Get('tick')
  tick(): Promise<string> {
    return this.clock.now();
  }
}

@Module({
  imports: [
    HotpathModule.forRootAsync({
      imports: [SettingsModule],
      inject: [SETTINGS],
      useFactory: async (settings: { name: string; perMinute: number }) => ({
        name: settings.name,
        limiters: { perMinute: { limit: settings.perMinute, interval: '1m' } },
        pools: {
          conn: pool({
            create: () => ({ id: 'connection 1' }),
            destroy: () => void destroyed++,
            max: 1,
          }),
        },
      }),
    }),
  ],
  providers: [Slow, Clock, Connections],
  controllers: [SlowController],
})
class AppModule {}

let app: INestApplication;
let base: string;
let registry: Hotpath;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  registry = app.get<Hotpath>(HOTPATH_REGISTRY);
});

afterAll(async () => {
  await app?.close();
});

async function get(path: string): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(base + path);
  return { status: res.status, body: await res.json().catch(() => null), headers: res.headers };
}

describe('HotpathModule.forRootAsync and the exception filter per controller', () => {
  it('builds the registry from the injected settings, its named limiter included', async () => {
    expect(registry.name).toBe('configured');
    expect((await get('/limited')).status).toBe(200);
    const refused = await get('/limited');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-policy')).toBe('"default";q=1;w=60');
  });

  it('gives the registry the pools of the config, closed with it', async () => {
    expect(await app.get(Connections).whoAmI()).toBe('connection 1');
    expect(Object.keys(registry.stats().pools ?? {})).toEqual(['conn']);
  });

  it('binds transient providers by class', async () => {
    expect((await get('/tick')).status).toBe(200);
    expect(Object.keys(registry.stats().methods)).toContain('Clock.now');
  });

  it('answers a TimeoutError with 504', async () => {
    expect(await get('/hang')).toMatchObject({
      status: 504,
      body: {
        statusCode: 504,
        message: 'Gateway Timeout',
        error: 'Gateway Timeout',
        code: 'E_TIMEOUT',
      },
    });
  });

  it('answers a call after the registry started shutting down with 503 and Retry-After', async () => {
    void registry.shutdown();
    const res = await get('/tick');
    expect(res).toMatchObject({
      status: 503,
      body: { statusCode: 503, code: 'E_SHUTDOWN', message: 'Service Unavailable' },
    });
    expect(res.headers.get('retry-after')).toBe('1');
    await registry.shutdown();
    expect(destroyed).toBe(1);
  });
});
