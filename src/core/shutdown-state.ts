/**
 * Whether any registry has started shutting down: until one has, the wrapper skips asking a
 * call's registry whether to refuse it, so the check costs one property read per call.
 */
export const shutdownState = { seen: false };
