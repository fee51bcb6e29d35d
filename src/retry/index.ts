/** `@retry(options?)`. */
export { retry, type PromiseMethod, type RetryFigures } from './retry.js';
export type { RetryBackoff, RetryEvent, RetryOptions } from './options.js';
