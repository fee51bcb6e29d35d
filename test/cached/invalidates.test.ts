import { describe, expect, it } from '@jest/globals';
import Keyv from 'keyv';
import { bindHotpath, cached, createHotpath, invalidates, type Hotpath } from '../../src/index.js';
import { LEGACY } from '../helpers/mode.js';
import { sleepMs, turnEventLoop } from '../helpers/time.js';

interface User {
  id: string;
  name: string;
}

let reads: string[] = [];

class UserService {
  readonly db = new Map<string, User>([
    ['1', { id: '1', name: 'Ada' }],
    ['2', { id: '2', name: 'Bob' }],
  ]);

  @cached({ tags: (u: User) => [`user:${u.id}`] })
  async getUser(id: string): Promise<User> {
    reads.push(id);
    return { ...this.db.get(id)! };
  }

  @invalidates({ tags: (_result: void, id: string) => [`user:${id}`] })
  async rename(id: string, name: string): Promise<void> {
    this.db.get(id)!.name = name;
  }

  @invalidates({ namespace: 'UserService.getUser' })
  async renameAll(suffix: string): Promise<number> {
    for (const u of this.db.values()) u.name += suffix;
    return this.db.size;
  }

  @invalidates({ namespace: 'UserService.getUser', args: (_r: void, id: string) => [id] })
  async renameOne(id: string, name: string): Promise<void> {
    this.db.get(id)!.name = name;
  }

  @invalidates({ tags: ['user:1'] })
  async failToRename(): Promise<void> {
    throw new Error('write failed');
  }

  @invalidates({ tags: ['user:2'] })
  touchSync(): string {
    this.db.get('2')!.name = 'Bobby';
    return 'done';
  }
}

function fresh(): { svc: UserService; registry: Hotpath } {
  reads = [];
  const registry = createHotpath();
  return { svc: bindHotpath(new UserService(), registry), registry };
}

describe('@invalidates', () => {
  it('invalidates tags computed from (result, ...args) after the method succeeds', async () => {
    const { svc } = fresh();
    await svc.getUser('1');
    await svc.getUser('2');
    await svc.rename('1', 'Ada L.');
    expect((await svc.getUser('1')).name).toBe('Ada L.');
    expect((await svc.getUser('2')).name).toBe('Bob');
    expect(reads).toEqual(['1', '2', '1']);
  });

  it('clears a whole namespace, and one entry with args, and passes the result through', async () => {
    const { svc } = fresh();
    await Promise.all([svc.getUser('1'), svc.getUser('2')]);
    await expect(svc.renameAll('!')).resolves.toBe(2);
    expect((await svc.getUser('1')).name).toBe('Ada!');
    expect((await svc.getUser('2')).name).toBe('Bob!');
    await svc.renameOne('2', 'B');
    expect((await svc.getUser('1')).name).toBe('Ada!');
    expect((await svc.getUser('2')).name).toBe('B');
    expect(reads).toEqual(['1', '2', '1', '2', '2']);
  });

  it('invalidates nothing when the method throws', async () => {
    const { svc } = fresh();
    await svc.getUser('1');
    await expect(svc.failToRename()).rejects.toThrow('write failed');
    await svc.getUser('1');
    expect(reads).toEqual(['1']);
  });

  it('drops the in-process entries before a synchronous method returns', async () => {
    const { svc } = fresh();
    await svc.getUser('2');
    expect(svc.touchSync()).toBe('done');
    expect((await svc.getUser('2')).name).toBe('Bobby');
  });

  it('reaches entries of every instance and the shared tier (another process reads fresh data)', async () => {
    const store = new Keyv();
    class Shared {
      static version = 1;
      @cached({ store: 'kv', tags: () => ['config'] })
      async config(): Promise<number> {
        return Shared.version;
      }
      @invalidates({ tags: ['config'] })
      async bump(): Promise<void> {
        Shared.version++;
      }
    }
    const a = bindHotpath(new Shared(), createHotpath({ stores: { kv: store } }));
    const b = bindHotpath(new Shared(), createHotpath({ stores: { kv: store } }));
    expect(await a.config()).toBe(1);
    await turnEventLoop(1);
    await sleepMs(5);
    await a.bump();
    await sleepMs(5);
    expect(await b.config()).toBe(2);
    expect(await a.config()).toBe(2);
  });

  it('reports a tags function that throws on the error event and keeps the result', async () => {
    const registry = createHotpath();
    const errors: string[] = [];
    registry.on('error', (e, info) =>
      errors.push(`${info.decorator} ${info.method}: ${e.message}`),
    );
    class Svc {
      @invalidates({
        tags: () => {
          throw new Error('bad tags');
        },
      })
      async save(): Promise<string> {
        return 'saved';
      }
    }
    await expect(bindHotpath(new Svc(), registry).save()).resolves.toBe('saved');
    expect(errors).toEqual(['invalidates Svc.save: bad tags']);
  });

  it('reports a tags function that returns no array of strings on the error event', async () => {
    const registry = createHotpath();
    const errors: string[] = [];
    registry.on('error', (e, info) =>
      errors.push(`${info.decorator} ${info.method}: ${e.name} ${e.message}`),
    );
    class Svc {
      @invalidates({ tags: () => 'user:1' as unknown as string[] })
      async save(): Promise<string> {
        return 'saved';
      }
    }
    await expect(bindHotpath(new Svc(), registry).save()).resolves.toBe('saved');
    expect(errors).toEqual([
      "invalidates Svc.save: TypeError @invalidates on Svc.save: `tags` must return an array of strings, got 'user:1'",
    ]);
  });

  it('reports a key function returning an object (E_UNKEYABLE) instead of invalidating "[object Object]"', async () => {
    const registry = createHotpath();
    const errors: string[] = [];
    registry.on('error', (e, info) =>
      errors.push(
        `${info.decorator} ${info.method}: ${(e as { code?: string }).code} ${e.message}`,
      ),
    );
    class Svc {
      @invalidates({
        namespace: 'Repo.get',
        key: (_r: void, id: number) => ({ id }) as unknown as string,
      })
      async save(_id: number): Promise<void> {}
    }
    await bindHotpath(new Svc(), registry).save(7);
    expect(errors).toEqual([
      'invalidates Svc.save: E_UNKEYABLE @invalidates on Svc.save: `key` must return a string or a number, got { id: 7 }',
    ]);
  });

  describe('options', () => {
    const where = LEGACY ? 'Svc.save' : 'save';
    const define = (options: unknown): void => {
      class Svc {
        @invalidates(options as never)
        async save(): Promise<void> {}
      }
      void Svc;
    };
    it.each([
      [undefined, 'needs options: `tags` and/or `namespace`'],
      [{}, 'needs `tags` and/or `namespace`'],
      [
        { tags: 'user' },
        "`tags` must be an array of strings or a function returning one, got 'user'",
      ],
      [{ key: 'k' }, '`key` needs `namespace`: a key names an entry of one cached method'],
      [
        { namespace: 'A.b', key: 'k', args: [] },
        '`key` and `args` both name an entry: pass one of them',
      ],
      [{ namespace: '' }, "`namespace` must be a non-empty string, got ''"],
      [{ tag: ['x'] }, 'unknown option `tag` (did you mean `tags`?)'],
    ])('rejects %j at decoration time', (options, message) => {
      expect(() => define(options)).toThrow(new TypeError(`@invalidates on ${where}: ${message}`));
    });
  });
});
