import { Inject } from '@nestjs/common';
import { HOTPATH_REGISTRY } from './tokens.js';

/**
 * Injects the `HotpathModule` registry (`Hotpath`) into a constructor parameter or property:
 * `constructor(@InjectHotpath() private readonly registry: Hotpath) {}`. The registry of the
 * `HotpathModule` the consumer's module imports, else the global one. Same as
 * `@Inject(HOTPATH_REGISTRY)`.
 */
export function InjectHotpath(): PropertyDecorator & ParameterDecorator {
  return Inject(HOTPATH_REGISTRY);
}
