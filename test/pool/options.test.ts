/** Pool options are checked when the pool is defined, in the house message form, word for word. */
import { describe, expect, it } from '@jest/globals';
import { objectPool, pool, statementCache, withResource } from '../../src/index.js';
import { LEGACY } from '../helpers/mode.js';

const create = async (): Promise<object> => ({});
const destroy = (): void => {};

describe('pool options', () => {
  it.each([
    [undefined, 'pool: options must be an object with create() and destroy(), got undefined'],
    [
      { create, destroy, maxWaitng: 1 },
      'pool: unknown option `maxWaitng` (did you mean `maxWaiting`?)',
    ],
    [{ destroy }, 'pool: `create` must be a function that makes a resource, got undefined'],
    [
      { create, name: 'db' },
      "pool 'db': `destroy` must be a function that closes a resource, got undefined",
    ],
    [{ create, destroy, max: 0 }, 'pool: `max` must be a positive integer, got 0'],
    [
      { create, destroy, max: Infinity },
      'pool: `max` must be a finite positive integer, got Infinity',
    ],
    [{ create, destroy, min: 3, max: 2 }, 'pool: `min` (3) must not exceed `max` (2)'],
    [{ create, destroy, min: -1 }, 'pool: `min` must be a non-negative integer, got -1'],
    [
      { create, destroy, acquireTimeout: '5 minutes' },
      "pool: `acquireTimeout` must be a positive duration (milliseconds or a string like '5m') of at most 2147483647 ms (24.8 days), got '5 minutes'",
    ],
    [
      { create, destroy, idleTimeout: 0 },
      "pool: `idleTimeout` must be a positive duration (milliseconds or a string like '5m') of at most 2147483647 ms (24.8 days), got 0",
    ],
    [
      { create, destroy, maxLifetime: -5 },
      "pool: `maxLifetime` must be a positive duration (milliseconds or a string like '5m'), got -5",
    ],
    [
      { create, destroy, maxWaiting: 1.5 },
      'pool: `maxWaiting` must be a non-negative integer, got 1.5',
    ],
    [{ create, destroy, validate: true }, 'pool: `validate` must be a function, got true'],
    [
      { create, destroy, isFatal: 'yes', name: 'db' },
      "pool 'db': `isFatal` must be a function, got 'yes'",
    ],
    [{ create, destroy, name: '' }, "pool: `name` must be a non-empty string, got ''"],
  ])('pool(%p) throws %p', (options, message) => {
    expect(() => pool(options as never)).toThrow(new TypeError(message));
  });

  it('checks shutdown() options', () => {
    const db = pool({ create, destroy, name: 'db' });
    expect(() => db.shutdown({ timeout: -1 })).toThrow(
      new TypeError(
        "shutdown() of pool 'db': `timeout` must be a positive duration (milliseconds or a string like '5m') of at most 2147483647 ms (24.8 days), got -1",
      ),
    );
  });

  it.each([
    [undefined, 'objectPool: options must be an object with create(), got undefined'],
    [{}, 'objectPool: `create` must be a function that makes an object, got undefined'],
    [{ create, maxIdel: 3 }, 'objectPool: unknown option `maxIdel` (did you mean `maxIdle`?)'],
    [{ create, maxIdle: -1 }, 'objectPool: `maxIdle` must be a non-negative integer, got -1'],
    [
      { create, maxIdle: Infinity },
      'objectPool: `maxIdle` must be a finite non-negative integer, got Infinity',
    ],
    [{ create, reset: 1 }, 'objectPool: `reset` must be a function, got 1'],
  ])('objectPool(%p) throws %p', (options, message) => {
    expect(() => objectPool(options as never)).toThrow(new TypeError(message));
  });

  it('checks statementCache() arguments', () => {
    expect(() => statementCache({} as never)).toThrow(
      new TypeError(
        'statementCache: `db` must be a connection with prepare(sql) (a better-sqlite3 Database), got {}',
      ),
    );
    expect(() => statementCache({ prepare: () => 1 }, { max: 0 })).toThrow(
      new TypeError('statementCache: `max` must be a positive integer, got 0'),
    );
  });

  it('@withResource refuses what is neither a pool name nor a pool, at class definition', () => {
    expect(() => {
      class Repo {
        @withResource(42 as never)
        async find(): Promise<void> {}
      }
      return Repo;
    }).toThrow(
      new TypeError(
        `@withResource on ${LEGACY ? 'Repo.find' : 'find'}: \`pool\` must be a pool's name in the registry (a non-empty string) or a pool made by pool(), got 42`,
      ),
    );
  });
});
