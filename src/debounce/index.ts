/** `@debounce` and the timing engine it shares with `@throttle`. */
export { debounce, type DebounceOptions, type DeferrableMethod } from './debounce.js';
export type { TimingOptionsBase } from './timing-options.js';
