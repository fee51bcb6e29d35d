/** `@lazy()` and `lazy(factory)`. */
export { lazy, type LazyDecorator, type LazyFigures } from './lazy.js';
