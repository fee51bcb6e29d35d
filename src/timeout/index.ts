/** `@timeout(ms | { ms })`. */
export { timeout, type TimeoutFigures, type TimeoutOptions } from './timeout.js';
