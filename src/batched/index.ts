/**
 * `@batched` and its types.
 */
export { batched, type BatchedMethod } from './batched.js';
export type { BatchedOptions } from './options.js';
export type { DispatchReason } from './batch-engine.js';
