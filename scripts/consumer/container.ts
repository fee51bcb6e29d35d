/**
 * The `hotpath/inversify` consumer, type-checked by `npm run check:consumers` like app.ts but
 * from TypeScript 5.8: inversify 8's own `.d.ts` files need it (TypeScript 5.0–5.7 report
 * TS1166 in `@inversifyjs/core` without `skipLibCheck`).
 */
import { bindHotpath, cached, createHotpath, type Hotpath } from 'hotpath';
import {
  HOTPATH_REGISTRY,
  HOTPATH_STORES,
  hotpathActivation,
  hotpathModule,
  type HotpathModuleConfig,
} from 'hotpath/inversify';
import { Container } from 'inversify';

class PriceService {
  @cached({ ttl: '1m' })
  async price(sku: string): Promise<number> {
    return sku.length;
  }
}

const config: HotpathModuleConfig = { name: 'container' };
const container = new Container();
container.load(hotpathModule(config));
container
  .bind(PriceService)
  .toDynamicValue(() => new PriceService())
  .onActivation((context, service) => hotpathActivation(context, service));
const registry: Hotpath = container.get<Hotpath>(HOTPATH_REGISTRY);
const standalone = bindHotpath(new PriceService(), createHotpath());
console.log(registry, HOTPATH_STORES, standalone.price('sku-1'));
