/** `@retry(options?)`. */
export { retry, type RetryFigures } from './retry.js';
export type { RetryBackoff, RetryEvent, RetryOptions } from './options.js';
