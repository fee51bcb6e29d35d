/**
 * Playground: a search box and an autosave.
 *
 * - `SearchBox.suggest` is debounced: a user typing "hotpath" one key every 30 ms causes one
 *   backend query, 120 ms after the last keystroke; every keystroke's caller gets the same
 *   promise, with the suggestions for the full word.
 * - `Editor.autosave` is debounced per document (`key`) with `maxWait`, so a user who never
 *   stops typing still gets a save every 400 ms; `Editor.reportProgress` is throttled.
 * - `shutdown()` writes the edit still waiting for its autosave.
 *
 * Run: npx tsx playground/02-debounce-throttle.ts
 */
import { bindHotpath, control, createHotpath, debounce, throttle } from '../src/index.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const start = Date.now();
const at = (): string => `${String(Date.now() - start).padStart(4)} ms`;

const registry = createHotpath({ name: 'playground' });
registry.on('error', (error, info) =>
  console.log(`${at()}  error event (${info.method}): ${error.message}`),
);

class SearchBox {
  queries = 0;

  @debounce(120)
  async suggest(prefix: string): Promise<string[]> {
    this.queries++;
    console.log(`${at()}  backend query #${this.queries} for '${prefix}'`);
    await sleep(10);
    return ['hotpath', 'hotpath decorators', 'hotpath debounce'].filter((s) =>
      s.startsWith(prefix),
    );
  }
}

class Editor {
  readonly saved = new Map<string, string>();

  @debounce({ wait: 150, maxWait: 400, key: (docId: string) => docId })
  async autosave(docId: string, text: string): Promise<number> {
    await sleep(5);
    this.saved.set(docId, text);
    console.log(`${at()}  saved ${docId}: '${text}'`);
    return text.length;
  }

  @throttle(100)
  reportProgress(words: number): void {
    console.log(`${at()}  progress: ${words} words`);
  }

  @debounce(50)
  syncToCloud(): void {
    throw new Error('cloud is unreachable');
  }
}

// --- the search box -----------------------------------------------------------------------
const box = bindHotpath(new SearchBox(), registry);
const pending: Promise<string[]>[] = [];
for (const prefix of ['h', 'ho', 'hot', 'hotp', 'hotpa', 'hotpat', 'hotpath']) {
  pending.push(box.suggest(prefix));
  await sleep(30);
}
const answers = await Promise.all(pending);
console.log(
  `${at()}  7 keystrokes -> ${box.queries} query; all callers share one promise: ${pending.every((p) => p === pending[0])}; suggestions: ${JSON.stringify(answers[0])}`,
);

// --- the autosave -------------------------------------------------------------------------
const editor = bindHotpath(new Editor(), registry);
let text = '';
for (const word of 'the quick brown fox jumps over the lazy dog again and again'.split(' ')) {
  text += (text ? ' ' : '') + word;
  void editor.autosave('doc-1', text);
  editor.reportProgress(text.split(' ').length);
  await sleep(40);
}
void editor.autosave('doc-2', 'a second document');
await sleep(200);

// A fire-and-forget call whose method throws: the error goes to the registry's error event.
editor.syncToCloud();
await sleep(80);

// A last edit, then shutdown before its autosave is due: shutdown() writes it.
const last = editor.autosave('doc-1', `${text} (final)`);
console.log(`${at()}  autosave pending before shutdown: ${control(editor, 'autosave').pending()}`);
await registry.shutdown();
console.log(
  `${at()}  after shutdown, doc-1 = '${editor.saved.get('doc-1')}' (${await last} chars)`,
);
console.log(registry.report());
