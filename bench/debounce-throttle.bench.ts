/**
 * Target: `@debounce` / `@throttle` cost per call within 1.5x of lodash, on the same work:
 * calling the debounced (throttled) function repeatedly within the wait, so every measured
 * call only folds into the pending invocation. Each side keeps what the call returns (lodash:
 * the last result; hotpath: the shared promise of the pending invocation).
 */
import _ from 'lodash';
import { debounce, throttle } from '../src/index.js';
import { check, compare } from './harness.js';

const WAIT = 1e9; // never fires during the run: every measured call is folded

let sink: unknown;

class Search {
  hits = 0;
  @debounce(WAIT)
  async suggest(query: string): Promise<number> {
    this.hits += query.length;
    return this.hits;
  }

  @throttle(WAIT)
  async report(query: string): Promise<number> {
    this.hits += query.length;
    return this.hits;
  }
}

const search = new Search();
const body = (query: string): number => query.length;
const lodashDebounced = _.debounce(body, WAIT);
const lodashThrottled = _.throttle(body, WAIT);
const debouncedFn = debounce(WAIT)(async (query: string) => body(query));
const throttledFn = throttle(WAIT)(async (query: string) => body(query));

const opts = { rounds: 5, minTimeMs: 400 };

const d = await compare(
  'debounce: repeated calls within the wait (per call)',
  [
    { name: 'lodash debounce', fn: () => void (sink = lodashDebounced('q')), baseline: true },
    { name: '@debounce method', fn: () => void (sink = search.suggest('q')) },
    { name: 'debounce() function', fn: () => void (sink = debouncedFn('q')) },
  ],
  opts,
);

const t = await compare(
  'throttle: repeated calls within the wait (per call)',
  [
    { name: 'lodash throttle', fn: () => void (sink = lodashThrottled('q')), baseline: true },
    { name: '@throttle method', fn: () => void (sink = search.report('q')) },
    { name: 'throttle() function', fn: () => void (sink = throttledFn('q')) },
  ],
  opts,
);

check('@debounce per call vs lodash debounce', d.get('@debounce method').ratio!, '<=', 1.5, 'x');
check('@throttle per call vs lodash throttle', t.get('@throttle method').ratio!, '<=', 1.5, 'x');

// Nothing may fire: cancel the pending invocations so the process can exit at once.
lodashDebounced.cancel();
lodashThrottled.cancel();
void sink;
process.exit(process.exitCode ?? 0);
