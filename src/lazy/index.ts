/** `@lazy()`, `lazy(factory)` and `lazyRecord(factories)`. */
export { lazy, type LazyDecorator, type LazyFigures } from './lazy.js';
export { lazyRecord, type LazyFactories, type LazyRecord } from './lazy-record.js';
