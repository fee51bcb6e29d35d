/**
 * `hotpath/inversify`: container integration (one registry per container). The only entry
 * point that loads `inversify` (an optional peer dependency): code that imports just `hotpath`
 * never does.
 * Constructor injection needs `experimentalDecorators`, `emitDecoratorMetadata` and
 * `import 'reflect-metadata'` in the application; TC39-decorator code binds with
 * `toDynamicValue` and {@link hotpathActivation}.
 */
export { hotpathActivation, hotpathModule, type HotpathModuleConfig } from './hotpath-module.js';
export { HotpathPlugin } from './hotpath-plugin.js';
export {
  HOTPATH_BUS,
  HOTPATH_CLOCK,
  HOTPATH_LIMITERS,
  HOTPATH_LOCK,
  HOTPATH_POOLS,
  HOTPATH_REGISTRY,
  HOTPATH_STORES,
} from './tokens.js';
