/** `@throttle`: the timing engine with `maxWait = wait` (see `src/timing/`). */
export { throttle, type ThrottleOptions } from './throttle.js';
