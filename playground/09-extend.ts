/**
 * A decorator of one's own with `hotpath/extend` (the README's "Writing your own decorator"
 * sample, run): `@countCalls()` (playground/lib/count-calls.ts) counts each instance's calls
 * per argument list, publishes each call on `hotpath:event`, and answers `control().stats()`
 * and `clear()`. Run: npx tsx playground/09-extend.ts
 */
import { subscribe } from 'node:diagnostics_channel';
import type { HotpathEvent } from '../src/extend.js';
import { control } from '../src/index.js';
import { countCalls } from './lib/count-calls.js';

class Search {
  @countCalls(2)
  find(query: string, page = 1): string {
    return `${query} (page ${page})`;
  }
}

subscribe('hotpath:event', (event) => {
  const { decorator, event: name, method, key } = event as HotpathEvent;
  if (decorator === 'countCalls') console.log(`  ${name} ${method} ${String(key)}`);
});

const search = new Search();
console.log('1. Calls (each one published on hotpath:event):');
search.find('tea');
search.find('tea');
search.find('tea', 2);
search.find('coffee');
console.log('2. control(search, "find").stats():');
console.log(' ', JSON.stringify(control(search, 'find').stats()));
console.log('3. Another instance has its own counts:');
console.log(' ', JSON.stringify(control(new Search(), 'find').stats()));
await control(search, 'find').clear();
console.log('4. After clear():', JSON.stringify(control(search, 'find').stats()));
