/**
 * What hotpath adds to lodash's timing: promises for the callers (one per invocation, shared),
 * rejections that never go unhandled, cancel/flush/pending/shutdown, per-instance and per-key
 * state, figures and events. Runs for both decorators.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  HotpathError,
  bindHotpath,
  control,
  createHotpath,
  debounce,
  throttle,
  type ErrorInfo,
  type Hotpath,
} from '../../src/index.js';
import { type HotpathEvent } from '../../src/extend.js';
import { advanceFakeTime } from '../helpers/fake-time.js';

beforeEach(() => {
  jest.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  jest.useRealTimers();
});

/** A registry that records its `error` events. */
function recordingRegistry(): { registry: Hotpath; errors: [Error, ErrorInfo][] } {
  const registry = createHotpath({ name: 'behaviour' });
  const errors: [Error, ErrorInfo][] = [];
  registry.on('error', (error, info) => errors.push([error, info]));
  return { registry, errors };
}

describe.each(['debounce', 'throttle'] as const)('@%s', (kind) => {
  const deco = kind === 'debounce' ? debounce : throttle;
  const leadingFirst = kind === 'throttle';

  describe('promises', () => {
    it('hands every caller folded into one invocation the same promise, and a new one per invocation', async () => {
      let runs = 0;
      class Editor {
        @deco({ wait: 100, leading: false })
        async save(text: string): Promise<string> {
          runs++;
          return `saved ${text}`;
        }
      }
      const editor = new Editor();
      const first = editor.save('a');
      const second = editor.save('ab');
      const third = editor.save('abc');
      expect(second).toBe(first);
      expect(third).toBe(first);
      expect(first).toBeInstanceOf(Promise);
      await advanceFakeTime(100);
      expect(runs).toBe(1);
      await expect(first).resolves.toBe('saved abc');
      const later = editor.save('abcd');
      expect(later).not.toBe(first);
      await advanceFakeTime(100);
      await expect(later).resolves.toBe('saved abcd');
    });

    it('resolves callers with the awaited result of an async method', async () => {
      class Api {
        @deco(50)
        async load(id: number): Promise<{ id: number }> {
          await Promise.resolve();
          return { id };
        }
      }
      const api = new Api();
      const p = api.load(7);
      await advanceFakeTime(50);
      await expect(p).resolves.toEqual({ id: 7 });
    });

    it('rejects the callers of an invocation that throws, and reports nothing when they handle it', async () => {
      const { registry, errors } = recordingRegistry();
      class Saver {
        @deco({ wait: 100, leading: false })
        async save(): Promise<void> {
          throw new Error('disk full');
        }
      }
      const saver = bindHotpath(new Saver(), registry);
      const a = saver.save();
      const b = saver.save();
      const assertion = expect(a).rejects.toThrow('disk full');
      await advanceFakeTime(100);
      await assertion;
      await expect(b).rejects.toThrow('disk full');
      await advanceFakeTime(0);
      expect(errors).toEqual([]);
    });

    it('sends the error of a fire-and-forget call to the registry error event, never to an unhandled rejection', async () => {
      const { registry, errors } = recordingRegistry();
      class Saver {
        @deco({ wait: 100, leading: false })
        save(): void {
          throw new Error('sync failure');
        }

        @deco({ wait: 100, leading: false })
        async store(): Promise<void> {
          await Promise.resolve();
          throw new Error('async failure');
        }
      }
      const saver = bindHotpath(new Saver(), registry);
      saver.save();
      saver.save();
      void saver.store();
      await advanceFakeTime(100);
      await advanceFakeTime(0);
      expect(errors.map(([e, info]) => [e.message, info])).toEqual([
        ['sync failure', { decorator: kind, method: 'Saver.save' }],
        ['async failure', { decorator: kind, method: 'Saver.store' }],
      ]);
    });

    it('reports a leading invocation that throws at once only when the caller does not await it', async () => {
      const { registry, errors } = recordingRegistry();
      class Saver {
        @deco({ wait: 100, leading: true })
        async save(n: number): Promise<number> {
          throw new Error(`failed ${n}`);
        }

        @deco({ wait: 100, leading: true })
        explode(n: number): void {
          throw new Error(`exploded ${n}`);
        }
      }
      const saver = bindHotpath(new Saver(), registry);
      // Awaited right away: handled, not reported.
      await expect(saver.save(1)).rejects.toThrow('failed 1');
      await expect(saver.explode(1)).rejects.toThrow('exploded 1');
      await advanceFakeTime(0);
      expect(errors).toEqual([]);
      // Fire and forget: reported once through the registry.
      await advanceFakeTime(200);
      saver.explode(2);
      await advanceFakeTime(0);
      expect(errors.map(([e]) => e.message)).toEqual(['exploded 2']);
    });

    it('gives a caller whose call is cancelled an E_CANCELLED rejection, and stays silent for fire-and-forget callers', async () => {
      const { registry, errors } = recordingRegistry();
      let runs = 0;
      class Editor {
        @deco({ wait: 100, leading: false })
        async save(): Promise<void> {
          runs++;
        }
      }
      const editor = bindHotpath(new Editor(), registry);
      const awaited = editor.save();
      expect(control(editor, 'save').pending()).toBe(true);
      control(editor, 'save').cancel();
      expect(control(editor, 'save').pending()).toBe(false);
      await expect(awaited).rejects.toThrow(
        new HotpathError(
          'E_CANCELLED',
          'Editor.save: the pending @' + kind + ' invocation was cancelled',
        ),
      );
      await expect(awaited).rejects.toMatchObject({ code: 'E_CANCELLED' });
      void editor.save();
      control(editor, 'save').cancel();
      await advanceFakeTime(200);
      expect(runs).toBe(0);
      expect(errors).toEqual([]);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('flush() runs the pending invocation now and resolves once it has settled', async () => {
      const log: string[] = [];
      class Editor {
        @deco({ wait: 1_000, leading: false })
        async save(text: string): Promise<string> {
          log.push(`start ${text}`);
          await Promise.resolve();
          await Promise.resolve();
          log.push(`end ${text}`);
          return text;
        }
      }
      const editor = new Editor();
      const p = editor.save('draft');
      expect(control(editor, 'save').pending()).toBe(true);
      await control(editor, 'save').flush();
      expect(log).toEqual(['start draft', 'end draft']);
      expect(control(editor, 'save').pending()).toBe(false);
      await expect(p).resolves.toBe('draft');
      await advanceFakeTime(1_000);
      expect(log).toHaveLength(2);
    });

    it('shutdown() runs every pending trailing invocation of the registry, then refuses calls', async () => {
      const registry = createHotpath({ name: 'closing' });
      const saved: string[] = [];
      class Doc {
        constructor(readonly id: string) {}
        @deco({ wait: 5_000, leading: false })
        async save(text: string): Promise<void> {
          await Promise.resolve();
          saved.push(`${this.id}:${text}`);
        }
        @deco({ wait: 5_000, leading: false, key: (field: string) => field })
        async patch(field: string, value: string): Promise<void> {
          saved.push(`${this.id}.${field}=${value}`);
        }
      }
      const a = bindHotpath(new Doc('a'), registry);
      const b = bindHotpath(new Doc('b'), registry);
      const other = new Doc('default-registry');
      void a.save('one');
      void a.save('two');
      void b.save('three');
      void a.patch('title', 'x');
      void a.patch('body', 'y');
      void other.save('untouched');
      await registry.shutdown();
      expect(saved.sort()).toEqual(['a.body=y', 'a.title=x', 'a:two', 'b:three']);
      await expect(a.save('late')).rejects.toMatchObject({ code: 'E_SHUTDOWN' });
      expect(control(other, 'save').pending()).toBe(true);
      control(other, 'save').cancel();
      expect(jest.getTimerCount()).toBe(0);
    });

    it('shutdown() also waits for invocations that were already running', async () => {
      const registry = createHotpath({ name: 'in-flight' });
      let finish!: () => void;
      const done: string[] = [];
      class Uploader {
        @deco({ wait: 100, leading: true, trailing: false })
        async upload(): Promise<void> {
          await new Promise<void>((resolve) => (finish = resolve));
          done.push('uploaded');
        }
      }
      const uploader = bindHotpath(new Uploader(), registry);
      const upload = uploader.upload();
      await advanceFakeTime(200); // the wait is over: nothing pending, the upload still runs
      expect(control(uploader, 'upload').pending()).toBe(false);
      let closed = false;
      const closing = registry.shutdown().then(() => (closed = true));
      await advanceFakeTime(0);
      expect(closed).toBe(false);
      finish();
      await closing;
      expect(done).toEqual(['uploaded']);
      await upload;
    });
  });

  describe('state', () => {
    it('keeps two instances apart', async () => {
      const log: string[] = [];
      class Box {
        constructor(readonly name: string) {}
        @deco({ wait: 100, leading: false })
        async touch(n: number): Promise<number> {
          log.push(`${this.name}${n}`);
          return n;
        }
      }
      const a = new Box('a');
      const b = new Box('b');
      const pa = a.touch(1);
      const pb = b.touch(2);
      void a.touch(3);
      expect(pb).not.toBe(pa);
      control(b, 'touch').cancel();
      await expect(pb).rejects.toMatchObject({ code: 'E_CANCELLED' });
      await advanceFakeTime(100);
      expect(log).toEqual(['a3']);
      await expect(pa).resolves.toBe(3);
    });

    it('debounces each key separately and releases idle keys', async () => {
      const log: string[] = [];
      const registry = createHotpath({ name: 'keys' });
      class Docs {
        @deco({ wait: 100, leading: false, key: (id: string) => id })
        async save(id: string, text: string): Promise<string> {
          log.push(`${id}=${text}`);
          return text;
        }
      }
      const docs = bindHotpath(new Docs(), registry);
      const d1 = docs.save('doc-1', 'a');
      const d2 = docs.save('doc-2', 'b');
      const d1b = docs.save('doc-1', 'c');
      expect(d1b).toBe(d1);
      expect(d2).not.toBe(d1);
      expect(registry.stats().methods['Docs.save']![kind]).toMatchObject({ keys: 2 });
      await advanceFakeTime(100);
      expect(log.sort()).toEqual(['doc-1=c', 'doc-2=b']);
      await expect(Promise.all([d1, d2])).resolves.toEqual(['c', 'b']);
      await advanceFakeTime(200);
      expect(registry.stats().methods['Docs.save']![kind]).toMatchObject({ keys: 0 });
      expect(jest.getTimerCount()).toBe(0);
    });

    it('keys by structure: a key built afresh per call ([tenant, id]) finds its stream again', async () => {
      const log: string[] = [];
      class Docs {
        @deco({ wait: 100, leading: false, key: (tenant: string, id: number) => [tenant, id] })
        async save(tenant: string, id: number, text: string): Promise<string> {
          log.push(`${tenant}/${id}=${text}`);
          return text;
        }
      }
      const docs = new Docs();
      const first = docs.save('acme', 1, 'a');
      const other = docs.save('acme', 2, 'b');
      expect(docs.save('acme', 1, 'c')).toBe(first);
      expect(other).not.toBe(first);
      await advanceFakeTime(100);
      expect(log.sort()).toEqual(['acme/1=c', 'acme/2=b']);
    });

    it('keeps the state of a static method on the class', async () => {
      let runs = 0;
      class Settings {
        @deco({ wait: 100, leading: false })
        static async reload(): Promise<number> {
          return ++runs;
        }
      }
      const p = Settings.reload();
      expect(Settings.reload()).toBe(p);
      expect(control(Settings, 'reload').pending()).toBe(true);
      await advanceFakeTime(100);
      await expect(p).resolves.toBe(1);
    });

    it('counts calls, invocations, folded and cancelled calls in the registry figures', async () => {
      const registry = createHotpath({ name: 'figures' });
      class Feed {
        @deco({ wait: 100, leading: false })
        async push(): Promise<void> {}
      }
      const feed = bindHotpath(new Feed(), registry);
      for (let i = 0; i < 5; i++) void feed.push();
      await advanceFakeTime(100);
      void feed.push();
      control(feed, 'push').cancel();
      expect(registry.stats().methods['Feed.push']).toEqual({
        [kind]: { calls: 6, invocations: 1, folded: 5, cancelled: 1 },
      });
      expect(control(feed, 'push').stats()).toEqual({
        [kind]: { calls: 6, invocations: 1, folded: 5, cancelled: 1 },
      });
    });

    it('publishes invoke and cancel events on hotpath:event', async () => {
      const events: HotpathEvent[] = [];
      const listener = (message: unknown): void => {
        const event = message as HotpathEvent;
        if (event.decorator === kind) events.push(event);
      };
      subscribe('hotpath:event', listener);
      try {
        class Feed {
          @deco({ wait: 100 })
          async push(): Promise<void> {}
        }
        const feed = new Feed();
        void feed.push();
        void feed.push();
        await advanceFakeTime(100);
        void feed.push();
        void feed.push();
        control(feed, 'push').cancel();
        await advanceFakeTime(0);
      } finally {
        unsubscribe('hotpath:event', listener);
      }
      const method = 'Feed.push';
      expect(events).toEqual(
        leadingFirst
          ? [
              { decorator: kind, event: 'invoke', method, edge: 'leading' },
              { decorator: kind, event: 'invoke', method, edge: 'trailing' },
              // At 100 ms the wait is over: the next call leads again, the one after waits.
              { decorator: kind, event: 'invoke', method, edge: 'leading' },
              { decorator: kind, event: 'cancel', method, pending: true },
            ]
          : [
              { decorator: kind, event: 'invoke', method, edge: 'trailing' },
              { decorator: kind, event: 'cancel', method, pending: true },
            ],
      );
    });
  });
});
