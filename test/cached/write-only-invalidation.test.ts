/**
 * Invalidation from a process where no `@cached` method has run (an admin script, a
 * write-only worker): `registry.invalidate({ tags | namespace | key })` and `@invalidates`
 * write to every shared store of the registry and publish on the bus, so readers in other
 * processes stop serving what was invalidated.
 */
import { describe, expect, it } from '@jest/globals';
import Keyv from 'keyv';
import {
  bindHotpath,
  cached,
  createHotpath,
  invalidates,
  type Hotpath,
  type InvalidationBus,
  type InvalidationTarget,
} from '../../src/index.js';
import { turnEventLoop } from '../helpers/time.js';

/** Delivers each message to every other bus on the hub (an in-process stand-in for RedisBus). */
class HubBus implements InvalidationBus {
  onMessage: ((t: InvalidationTarget) => void) | undefined;
  readonly sent: InvalidationTarget[] = [];
  constructor(private readonly hub: Set<HubBus>) {
    hub.add(this);
  }
  publish(target: InvalidationTarget): void {
    this.sent.push(target);
    for (const bus of this.hub) if (bus !== this) bus.onMessage?.(target);
  }
  subscribe(onMessage: (t: InvalidationTarget) => void): void {
    this.onMessage = onMessage;
  }
}

/** The "database" the readers read and the admin script writes. */
const db = new Map<string, string>();

class Products {
  @cached({ store: ['near', 'far'], tags: (_name: string, id: string) => [`product:${id}`] })
  async name(id: string): Promise<string> {
    return db.get(id)!;
  }
}

/** The write side only: it never calls a `@cached` method. */
class Admin {
  @invalidates({ tags: (_r: void, id: string) => [`product:${id}`] })
  async rename(id: string, name: string): Promise<void> {
    db.set(id, name);
  }

  @invalidates({ namespace: 'Products.name', args: (_r: void, id: string) => [id] })
  async renameOne(id: string, name: string): Promise<void> {
    db.set(id, name);
  }

  @invalidates({ namespace: 'Products.name' })
  async renameAll(suffix: string): Promise<void> {
    for (const [id, name] of db) db.set(id, `${name}${suffix}`);
  }
}

/** A reader process and an admin process sharing two stores and a bus. */
async function setup(): Promise<{
  reader: Products;
  admin: Hotpath;
  adminBus: HubBus;
  freshReader: () => Products;
}> {
  db.clear();
  db.set('1', 'kettle');
  db.set('2', 'teapot');
  const stores = { near: new Keyv(), far: new Keyv() };
  const hub = new Set<HubBus>();
  const readerRegistry = createHotpath({ name: 'reader', stores, bus: new HubBus(hub) });
  const adminBus = new HubBus(hub);
  const admin = createHotpath({ name: 'admin', stores, bus: adminBus });
  const reader = bindHotpath(new Products(), readerRegistry);
  const freshReader = (): Products =>
    bindHotpath(new Products(), createHotpath({ name: 'fresh', stores }));
  // Both products were read before (their tags have marks in the stores: the first value under
  // a new tag is not shared), then the reader caches them in every tier.
  for (const id of ['1', '2']) await freshReader().name(id);
  await turnEventLoop();
  for (const id of ['1', '2']) await reader.name(id);
  await turnEventLoop();
  // The database changes behind the caches: every process keeps serving what is cached.
  db.set('1', 'kettle v2');
  db.set('2', 'teapot v2');
  expect([await reader.name('1'), await freshReader().name('2')]).toEqual(['kettle', 'teapot']);
  return { reader, admin, adminBus, freshReader };
}

describe('invalidation from a process where no @cached method ran', () => {
  it('registry.invalidate({ tags }) reaches the shared stores and the bus', async () => {
    const { reader, admin, adminBus, freshReader } = await setup();
    await admin.invalidate({ tags: ['product:1'] });
    expect(adminBus.sent).toEqual([{ tags: ['product:1'] }]);
    // The reader dropped its memory copy and reads the stores again: they are invalidated too.
    expect(await reader.name('1')).toBe('kettle v2');
    expect(await freshReader().name('1')).toBe('kettle v2');
    // Only that tag.
    expect(await freshReader().name('2')).toBe('teapot');
  });

  it('registry.invalidate({ namespace }) reaches the shared stores and the bus', async () => {
    const { reader, admin, freshReader } = await setup();
    await admin.invalidate({ namespace: 'Products.name' });
    expect(await reader.name('1')).toBe('kettle v2');
    expect(await freshReader().name('2')).toBe('teapot v2');
  });

  it('registry.invalidate({ namespace, key }) reaches the shared stores and the bus', async () => {
    const { reader, admin, freshReader } = await setup();
    await admin.invalidate({ namespace: 'Products.name', key: "'1" });
    expect(await reader.name('1')).toBe('kettle v2');
    expect(await freshReader().name('1')).toBe('kettle v2');
    // Only that key.
    expect(await freshReader().name('2')).toBe('teapot');
  });

  it('@invalidates with tags, with namespace + args and with a namespace reaches the shared stores', async () => {
    const { reader, admin, freshReader } = await setup();
    const writer = bindHotpath(new Admin(), admin);
    await writer.rename('1', 'kettle v3');
    expect(await reader.name('1')).toBe('kettle v3');
    expect(await freshReader().name('1')).toBe('kettle v3');
    await writer.renameOne('2', 'teapot v3');
    expect(await reader.name('2')).toBe('teapot v3');
    expect(await freshReader().name('2')).toBe('teapot v3');
    await writer.renameAll('!');
    expect(await reader.name('1')).toBe('kettle v3!');
    expect(await freshReader().name('2')).toBe('teapot v3!');
  });
});
