/**
 * Core finds a call's registry through its own owner table, filled by the registry module: core
 * loaded on its own (an extension's tests, a bundle that left the registry out) has none, and
 * says so instead of failing somewhere inside a decorator.
 */
import { describe, expect, it, jest } from '@jest/globals';

describe('the registry of a call', () => {
  it('is refused with E_CONFIG, naming the import to add, when no registry module was loaded', async () => {
    await jest.isolateModulesAsync(async () => {
      const { createDecorator } = await import('../../src/core/intercept.js');
      const { HotpathError } = await import('../../src/errors.js');
      const readsRegistry = createDecorator({
        name: 'readsRegistry',
        layer: () => ({
          decorator: 'readsRegistry',
          wrap: (inner) => (call) => {
            void call.registry;
            return inner(call);
          },
        }),
      });
      const passes = createDecorator({
        name: 'passes',
        layer: () => ({ decorator: 'passes', wrap: (inner) => inner }),
      });
      expect(passes(() => 1)()).toBe(1);
      const f = readsRegistry(() => 1);
      expect(f).toThrow(HotpathError);
      expect(f).toThrow(
        "no hotpath registry is loaded: import 'hotpath' before calling a decorated method",
      );
    });
  });

  it('is the default registry, or the one bound to the owner, once hotpath is loaded', async () => {
    const { bindHotpath, createHotpath, hotpath, use } = await import('../../src/index.js');
    const seen: unknown[] = [];
    const f = use((call, next) => {
      seen.push(call.registry);
      return next();
    })(() => 1);
    const g = bindHotpath(
      use((call, next) => {
        seen.push(call.registry);
        return next();
      })(() => 2),
      createHotpath({ name: 'bound' }),
    );
    f();
    g();
    expect(seen[0]).toBe(hotpath);
    expect((seen[1] as { name: string }).name).toBe('bound');
  });
});
