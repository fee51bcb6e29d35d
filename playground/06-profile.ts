/**
 * Observability: @profile on a checkout service, the `slow` event, control().stats(),
 * registry.report(), memoryMonitor, and the same calls exported to Prometheus through
 * hotpath/prometheus. Run: npx tsx playground/06-profile.ts
 */
import { Registry } from 'prom-client';
import { bindHotpath, control, createHotpath, memoryMonitor, profile } from '../src/index.js';
import { instrumentPrometheus } from '../src/prometheus/index.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class CheckoutService {
  /** Price lookups are sync and fast. */
  @profile()
  price(sku: string, quantity: number): number {
    if (quantity <= 0) throw new RangeError(`quantity must be positive, got ${quantity}`);
    return sku.length * 250 * quantity;
  }

  /** The payment provider is slow now and then. */
  @profile({ slowThreshold: '40ms' })
  async charge(orderId: number, cents: number): Promise<string> {
    await sleep(orderId % 7 === 0 ? 60 : 5 + (orderId % 4));
    if (orderId % 11 === 0) throw new Error(`card declined for order ${orderId}`);
    return `charged ${cents} cents for order ${orderId}`;
  }
}

const registry = createHotpath({ name: 'checkout' });
const prometheus = new Registry();
const exporter = instrumentPrometheus({ registry: prometheus });
const monitor = memoryMonitor({ interval: '25ms', registry });

registry.on('slow', (e) =>
  console.log(
    `slow: ${e.method} took ${e.durationMs.toFixed(1)} ms (threshold ${e.thresholdMs} ms)`,
  ),
);

const checkout = bindHotpath(new CheckoutService(), registry);
for (let order = 1; order <= 30; order++) {
  const cents = checkout.price(`sku-${order}`, 1 + (order % 3));
  try {
    await checkout.charge(order, cents);
  } catch (error) {
    console.log(`order ${order}: ${(error as Error).message}`);
  }
}
try {
  checkout.price('sku-0', 0);
} catch (error) {
  console.log(`price: ${(error as Error).message}`);
}

console.log('\ncontrol(checkout, "charge").stats():');
console.log(control(checkout, 'charge').stats());

console.log(`\n${registry.report()}\n`);

const text = await prometheus.metrics();
console.log('Prometheus (excerpt):');
for (const line of text.split('\n')) {
  if (/_count|_sum/.test(line)) console.log(`  ${line}`);
}

exporter.stop();
await registry.shutdown();
console.log(`\nmemory monitor running after shutdown: ${monitor.running}`);
