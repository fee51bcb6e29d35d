/**
 * Methods returning an RxJS `Observable` are refused at compile time (type-checked in both
 * decorator modes by `npm run typecheck`): by `@cached` (an `Observable` is cold, keeping it
 * would keep the recipe), and by `@retry`, `@timeout` and `@rateLimit`, which take only
 * methods returning a promise. The fix the refusal names, `firstValueFrom`, caches.
 */
import { describe, expect, it } from '@jest/globals';
import { firstValueFrom, Observable, of } from 'rxjs';
import { cached, rateLimit, retry, timeout } from '../../src/index.js';

let subscriptions = 0;
function source(n: number): Observable<number> {
  return new Observable<number>((subscriber) => {
    subscriptions++;
    subscriber.next(n * 2);
    subscriber.complete();
  });
}

class Refused {
  // @ts-expect-error an Observable is cold: @cached cannot keep it
  @cached()
  cachedStream(n: number): Observable<number> {
    return source(n);
  }

  // @ts-expect-error @retry takes methods returning a promise
  @retry({ attempts: 2 })
  retriedStream(): Observable<number> {
    return of(1);
  }

  // @ts-expect-error @timeout takes methods returning a promise
  @timeout('1s')
  timedStream(): Observable<number> {
    return of(1);
  }

  // @ts-expect-error @rateLimit takes methods returning a promise
  @rateLimit({ limit: 1, interval: '1s' })
  limitedStream(): Observable<number> {
    return of(1);
  }
}

class Fixed {
  @cached()
  doubled(n: number): Promise<number> {
    return firstValueFrom(source(n));
  }
}

describe('Observables and hotpath decorators', () => {
  it('refuses the functional form on a function returning an Observable too', () => {
    // @ts-expect-error an Observable is cold: @cached cannot keep it
    const wrapped = cached()((n: number) => source(n));
    expect(typeof wrapped).toBe('function');
    expect(typeof Refused).toBe('function');
  });

  it('caches the value once the method returns firstValueFrom(...) of the Observable', async () => {
    const fixed = new Fixed();
    const before = subscriptions;
    expect(await fixed.doubled(21)).toBe(42);
    expect(await fixed.doubled(21)).toBe(42);
    expect(subscriptions - before).toBe(1);
  });
});
