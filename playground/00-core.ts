/**
 * The core on its own: a custom middleware with @use, control(), a separate registry and
 * shutdown. Run: npx tsx playground/00-core.ts
 */
import {
  bindHotpath,
  control,
  createHotpath,
  isHotpathError,
  use,
  type Middleware,
} from '../src/index.js';

/** Logs each call and how long it took. */
const timing: Middleware = (call, next) => {
  const started = performance.now();
  const result = next();
  const ms = (performance.now() - started).toFixed(3);
  console.log(`  ${call.className}.${call.method}(${call.args.join(', ')}) took ${ms} ms`);
  return result;
};

/** Normalises string arguments before the method sees them. */
const normalise: Middleware = (call, next) => {
  call.args = call.args.map((a) => (typeof a === 'string' ? a.trim().toLowerCase() : a));
  return next();
};

class Catalogue {
  private readonly items = new Map([
    ['apple', 1.2],
    ['pear', 0.8],
  ]);

  @use(timing, normalise)
  price(name: string): number | undefined {
    return this.items.get(name);
  }

  @use(timing)
  async restock(name: string, price: number): Promise<void> {
    this.items.set(name, price);
  }
}

const registry = createHotpath({ name: 'shop' });
const shop = bindHotpath(new Catalogue(), registry);

console.log('price of "  APPLE " =', shop.price('  APPLE '));
await shop.restock('plum', 2.5);
console.log('price of "plum" =', shop.price('plum'));

try {
  control(shop, 'price').flush();
} catch (error) {
  console.log('control().flush() on a method with only @use:', (error as Error).message);
}

await registry.shutdown();
try {
  await shop.restock('kiwi', 1);
} catch (error) {
  if (isHotpathError(error, 'E_SHUTDOWN')) console.log('after shutdown:', error.message);
  else throw error;
}
