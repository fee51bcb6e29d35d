/**
 * What a shared cache tier must be, checked where one is accepted: in `createHotpath({ stores })`
 * and by `withBreaker(store)`.
 */
import { checkMethods } from '../core/check-methods.js';
import type { OptionSite } from '../core/options.js';

/** What a shared cache tier must be, in the words of the messages. */
const STORE_EXPECTED = 'a keyv instance or a store with get(), set() and delete()';
const STORE_METHODS = ['get', 'set', 'delete'] as const;

/** Checks that `store` can serve as a shared cache tier (keyv, or anything with its methods). */
export function checkStore(site: OptionSite, option: string, store: unknown): void {
  checkMethods(
    site,
    option,
    store,
    STORE_METHODS,
    STORE_EXPECTED,
    'for a Redis URL, redisStore(url) from hotpath/redis makes one',
  );
}
