/** `@debounce`, and the options it shares with `@throttle` (the timing engine is `src/timing/`). */
export { debounce, type DebounceOptions, type DeferrableMethod } from './debounce.js';
export type { TimingOptionsBase } from '../timing/timing-options.js';
