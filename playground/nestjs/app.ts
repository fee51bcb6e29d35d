/**
 * A small NestJS app with hotpath: HotpathModule binds the services of two modules to two
 * registries (no bindHotpath in constructors), HotpathCacheInterceptor caches a route with a
 * Cache-Status header, HotpathExceptionFilter turns a rate limit into a 429 with its headers,
 * and app.close() flushes a pending batch. Served on a loopback port and called with fetch.
 *
 * Run: npx tsx playground/11-nestjs.ts   (which runs this file with experimentalDecorators)
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  Param,
  UseInterceptors,
} from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { batched, cached, rateLimit, type Hotpath } from '../../src/index.js';
import {
  HOTPATH_REGISTRY,
  HotpathCacheInterceptor,
  HotpathExceptionFilter,
  HotpathModule,
} from '../../src/nestjs/index.js';

@Injectable()
class UserService {
  queries = 0;
  constructor(@Inject(HOTPATH_REGISTRY) readonly registry: Hotpath) {}

  @cached({ ttl: '5m' })
  async getUser(id: string): Promise<{ id: string; name: string }> {
    this.queries++;
    return { id, name: `user ${id}` };
  }

  @rateLimit({ limit: 3, interval: '1m', onLimit: 'reject' })
  async search(q: string): Promise<string[]> {
    return [`${q}1`, `${q}2`];
  }
}

@Controller('users')
class UserController {
  constructor(@Inject(UserService) private readonly users: UserService) {}

  @Get('search/:q')
  search(@Param('q') q: string): Promise<string[]> {
    return this.users.search(q);
  }

  @Get(':id')
  @UseInterceptors(new HotpathCacheInterceptor({ ttl: '30s' }))
  getUser(@Param('id') id: string): Promise<{ id: string; name: string }> {
    return this.users.getUser(id);
  }
}

@Injectable()
class AuditLog {
  readonly written: string[][] = [];

  @batched({ maxWait: '1h' }) // written in bulk; only shutdown flushes it here
  async write(lines: string[]): Promise<void[]> {
    this.written.push(lines);
    return lines.map(() => undefined);
  }
}

@Module({
  imports: [HotpathModule.forRoot({ name: 'audit', global: false })],
  providers: [AuditLog],
  exports: [AuditLog],
})
class AuditModule {}

@Module({
  imports: [HotpathModule.forRoot({ name: 'app' }), AuditModule],
  providers: [UserService, { provide: APP_FILTER, useClass: HotpathExceptionFilter }],
  controllers: [UserController],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

for (let i = 0; i < 2; i++) {
  const res = await fetch(`${base}/users/7`);
  console.log(
    `GET /users/7 -> ${res.status} ${await res.text()}  Cache-Status: ${res.headers.get('cache-status')}`,
  );
}
for (let i = 0; i < 4; i++) {
  const res = await fetch(`${base}/users/search/ada`);
  const limits =
    res.status === 429
      ? `  Retry-After: ${res.headers.get('retry-after')}, RateLimit-Policy: ${res.headers.get('ratelimit-policy')}`
      : '';
  console.log(`GET /users/search/ada -> ${res.status}${limits}`);
}

const { registry } = app.get(UserService);
const audit = app.get(AuditLog);
console.log(
  `UserService.getUser: ${app.get(UserService).queries} query; registry '${registry.name}' has ${Object.keys(registry.stats().methods).join(', ')}`,
);
const written = Promise.all([audit.write(['login 7']), audit.write(['search ada'])]);
console.log(`audit lines written before close: ${audit.written.length}`);
await app.close(); // registry.shutdown() of both modules: the pending batch is written
await written;
console.log(`audit lines written after close: ${JSON.stringify(audit.written)}`);
