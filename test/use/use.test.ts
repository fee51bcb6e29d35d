import { describe, expect, it } from '@jest/globals';
import { control, use, type Middleware } from '../../src/index.js';

describe('@use', () => {
  it('runs middleware in order, first outermost, and lets them read and change call.args', () => {
    const log: string[] = [];
    const first: Middleware = (call, next) => {
      log.push(`first sees ${JSON.stringify(call.args)}`);
      call.args = [(call.args[0] as number) * 10, ...call.args.slice(1)];
      const result = next();
      log.push(`first gets ${String(result)}`);
      return `<${String(result)}>`;
    };
    const second: Middleware = (call, next) => {
      log.push(`second sees ${JSON.stringify(call.args)}`);
      (call.args as unknown[])[1] = 'changed';
      return next();
    };
    class Svc {
      @use(first, second)
      run(n: number, s: string): string {
        log.push(`method gets ${n},${s}`);
        return `${n}:${s}`;
      }
    }
    expect(new Svc().run(2, 'x')).toBe('<20:changed>');
    expect(log).toEqual([
      'first sees [2,"x"]',
      'second sees [20,"x"]',
      'method gets 20,changed',
      'first gets 20:changed',
    ]);
  });

  it('can short-circuit without calling the method', () => {
    let ran = false;
    class Svc {
      @use(() => 'short')
      run(): string {
        ran = true;
        return 'long';
      }
    }
    expect(new Svc().run()).toBe('short');
    expect(ran).toBe(false);
  });

  it('passes promises through untouched', async () => {
    class Svc {
      @use((_c, next) => next())
      async run(n: number): Promise<number> {
        return n + 1;
      }
    }
    await expect(new Svc().run(1)).resolves.toBe(2);
  });

  it('keeps per-instance middleware state apart for two instances', () => {
    const counts = new WeakMap<object, number>();
    const count: Middleware = (call, next) => {
      counts.set(call.owner, (counts.get(call.owner) ?? 0) + 1);
      return next();
    };
    class Svc {
      @use(count)
      run(): void {}
    }
    const a = new Svc();
    const b = new Svc();
    a.run();
    a.run();
    b.run();
    expect(counts.get(a)).toBe(2);
    expect(counts.get(b)).toBe(1);
  });

  it('works as a function wrapper', () => {
    const wrapped = use((call, next) => `${String(next())}!`)(function greet(name: string) {
      return `hi ${name}`;
    });
    expect(wrapped('ann')).toBe('hi ann!');
    expect(() => control(wrapped).flush()).toThrow(
      expect.objectContaining({ code: 'E_NOT_APPLICABLE' }),
    );
  });
});
