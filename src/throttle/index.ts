/** `@throttle`: the debounce engine with `maxWait = wait` (see `src/debounce/`). */
export { throttle, type ThrottleOptions } from './throttle.js';
