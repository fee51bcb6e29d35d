/**
 * `@invalidates`: on a mutating method, invalidates `@cached` entries after the method
 * succeeds (never when it fails), through `registry.invalidate()`, so every tier of every
 * process (with a bus) drops them. A method that throws or rejects invalidates nothing.
 *
 * Events on `hotpath:event` (`decorator: 'invalidates'`): `invalidate` `{ tags?, namespace?, key? }`.
 */
import type { Call } from '../core/call.js';
import { eventChannel, publishEvent } from '../core/channels.js';
import { createDecorator, type AnyFunction, type HotpathDecorator } from '../core/intercept.js';
import { argumentKey, entryKey } from '../core/key.js';
import {
  checkOptionsObject,
  configError,
  describeValue,
  optionError,
  stringOption,
} from '../core/options.js';
import type { Invoke, Layer, SiteInfo } from '../core/site.js';
import type { InvalidationTarget } from '../core/services.js';
import { isThenable } from '../core/thenable.js';

/** Options of `@invalidates`. At least `tags` or `namespace` is required. */
export interface InvalidatesOptions {
  /**
   * Tags to invalidate: a list, or a function of `(result, ...args)` returning one.
   *
   * @default undefined (no tags; then `namespace` is required)
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tags?: readonly string[] | ((result: any, ...args: any[]) => readonly string[]);
  /**
   * The `@cached` namespace to invalidate (`ClassName.method` unless that method set
   * `namespace`). Alone: every entry of it. With `key` or `args`: one entry.
   *
   * @default undefined (no namespace; then `tags` is required)
   */
  namespace?: string;
  /**
   * One entry's key in `namespace`, as the cached method's `key` option returns it: a value, or a
   * function of `(result, ...args)`. For methods keyed by their arguments, use `args`.
   *
   * @default undefined (the whole `namespace`)
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  key?: string | number | ((result: any, ...args: any[]) => string | number);
  /**
   * The arguments of the cached call whose entry to drop (keyed like `@cached` keys them): a
   * list, or a function of `(result, ...args)` returning one, e.g. `args: (_r, user) => [user.id]`.
   *
   * @default undefined (the whole `namespace`)
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args?: readonly unknown[] | ((result: any, ...args: any[]) => readonly unknown[]);
}

const KNOWN = ['tags', 'namespace', 'key', 'args'] as const;

/**
 * Invalidates cache entries after the decorated method succeeds. For a method returning a
 * promise, the promise settles after the invalidation is done (every tier; failures of shared
 * tiers are reported on the `error` event, never thrown), so a read that follows the write sees
 * fresh data. For a synchronous method the in-process tier is invalidated before it returns and
 * the shared tiers follow in the background.
 *
 * @example
 * class UserService {
 *   @invalidates({ tags: (_result, id) => [`user:${id}`] })
 *   async rename(id: string, name: string): Promise<void> { ... }
 * }
 */
export function invalidates(options: InvalidatesOptions): HotpathDecorator<AnyFunction> {
  return createDecorator<AnyFunction>({
    name: 'invalidates',
    layer(site): Layer {
      checkOptionsObject(site, options, KNOWN);
      if (options === undefined)
        throw configError(site, 'needs options: `tags` and/or `namespace`');
      const { tags, key, args } = options;
      const namespace = stringOption(site, 'namespace', options.namespace);
      if (
        tags !== undefined &&
        typeof tags !== 'function' &&
        !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))
      ) {
        throw optionError(site, 'tags', 'an array of strings or a function returning one', tags);
      }
      if (
        key !== undefined &&
        typeof key !== 'function' &&
        typeof key !== 'string' &&
        typeof key !== 'number'
      ) {
        throw optionError(site, 'key', 'a string, a number or a function returning one', key);
      }
      if (args !== undefined && typeof args !== 'function' && !Array.isArray(args)) {
        throw optionError(site, 'args', 'an array or a function returning one', args);
      }
      if ((key !== undefined || args !== undefined) && namespace === undefined) {
        throw configError(
          site,
          `\`${key !== undefined ? 'key' : 'args'}\` needs \`namespace\`: a key names an entry of one cached method`,
        );
      }
      if (key !== undefined && args !== undefined)
        throw configError(site, '`key` and `args` both name an entry: pass one of them');
      if (tags === undefined && namespace === undefined)
        throw configError(site, 'needs `tags` and/or `namespace`');

      const targetOf = (result: unknown, call: Call, s: SiteInfo): InvalidationTarget => {
        const target: InvalidationTarget = {};
        if (tags !== undefined) {
          const t = typeof tags === 'function' ? tags(result, ...call.args) : tags;
          if (!Array.isArray(t) || !t.every((x) => typeof x === 'string')) {
            throw configError(
              { decorator: 'invalidates', where: s.name },
              `\`tags\` must return an array of strings, got ${describeValue(t)}`,
            );
          }
          target.tags = t;
        }
        if (namespace !== undefined) target.namespace = namespace;
        if (key !== undefined) {
          const k: unknown = typeof key === 'function' ? key(result, ...call.args) : key;
          target.key = entryKey(k, `@invalidates on ${s.name}`);
        }
        if (args !== undefined) {
          const a = typeof args === 'function' ? args(result, ...call.args) : args;
          target.key = argumentKey(a as unknown[], namespace!);
        }
        return target;
      };

      return {
        decorator: 'invalidates',
        wrap(inner: Invoke, s: SiteInfo): Invoke {
          const after = (result: unknown, call: Call): Promise<void> => {
            const registry = call.runtime;
            let target: InvalidationTarget;
            try {
              target = targetOf(result, call, s);
            } catch (error) {
              registry.emitError(error, { decorator: 'invalidates', method: s.name });
              return Promise.resolve();
            }
            if (eventChannel.hasSubscribers)
              publishEvent('invalidates', 'invalidate', s, { ...target });
            return registry.invalidate(target);
          };
          return (call) => {
            const result = inner(call);
            if (isThenable(result)) {
              return Promise.resolve(result).then(async (value) => {
                await after(value, call);
                return value;
              });
            }
            void after(result, call);
            return result;
          };
        },
      };
    },
  });
}
