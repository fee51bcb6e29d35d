/**
 * `@batched` and its types.
 */
export { batched, type BatchedMethod } from './batched.js';
export type { BatchedOptions } from './options.js';
export { BatchedFigures, type DispatchReason } from './scheduler.js';
