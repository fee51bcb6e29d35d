/**
 * `hotpath/nestjs`: hotpath in NestJS applications (a registry module with automatic binding
 * and shutdown, an exception filter, a response-caching interceptor). The only entry point
 * that loads `@nestjs/common` and `@nestjs/core` (optional peer dependencies): code that
 * imports just `hotpath` never does. Nest itself needs `experimentalDecorators`.
 */
export {
  HotpathModule,
  type HotpathModuleAsyncOptions,
  type HotpathModuleOptions,
} from './hotpath-module.js';
export { HotpathCacheInterceptor, type ResponseCacheOptions } from './hotpath-cache-interceptor.js';
export { HotpathExceptionFilter } from './hotpath-exception-filter.js';
export { InjectHotpath } from './inject-hotpath.js';
export { HOTPATH_REGISTRY } from './tokens.js';
