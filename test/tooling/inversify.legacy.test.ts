/**
 * The Jest setup can load inversify (ESM-only) and the legacy project compiles constructor
 * injection with `experimentalDecorators` + `emitDecoratorMetadata`. Legacy project only
 * (`*.legacy.test.ts`): TC39 decorators have no parameter decorators.
 */
import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container, inject, injectable } from 'inversify';
import { MODE } from '../helpers/mode.js';

@injectable()
class Clock {
  now(): number {
    return 42;
  }
}

@injectable()
class Service {
  constructor(@inject(Clock) readonly clock: Clock) {}
}

// No @inject: resolved from the `design:paramtypes` metadata `emitDecoratorMetadata` emits.
@injectable()
class AutoWired {
  constructor(readonly clock: Clock) {}
}

describe('inversify under Jest', () => {
  it('runs in the legacy project only', () => {
    expect(MODE).toBe('legacy');
  });

  it('resolves a class with constructor injection', () => {
    const container = new Container();
    container.bind(Clock).toSelf();
    container.bind(Service).toSelf();
    expect(container.get(Service).clock.now()).toBe(42);
  });

  it('auto-wires constructor parameters from emitted decorator metadata', () => {
    const container = new Container({ autobind: true });
    expect(container.get(AutoWired).clock.now()).toBe(42);
  });
});
