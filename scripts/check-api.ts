/**
 * `npm run check:api` (part of `npm run check`): the public surface of every entry point is the
 * one committed in `api/`, so that any change to it is a visible diff in review.
 *
 * 1. Emits the declarations of `src/` (the build's `tsconfig.json`, declarations only) into a
 *    temporary package (the check runs before `npm run build`): a `package.json` named like
 *    ours, and `node_modules` linked to the repository's, so that the peer packages' types
 *    resolve. Not inside `node_modules/`: API Extractor takes whatever lies there for another
 *    package's, and would report hotpath's own types as imports.
 * 2. Runs API Extractor on each entry point of `tshy.exports` (`hotpath` → `api/hotpath.api.md`,
 *    `hotpath/extend` → `api/hotpath-extend.api.md`, ...), over one shared program. A report
 *    lists every exported declaration, and the unexported ones an export refers to (marked
 *    `ae-forgotten-export`), without doc comments.
 * 3. Fails with the diff when a report differs from the committed one; `npm run api:update`
 *    (this script with `--update`) writes the new reports instead, to commit with the change.
 * 4. Loads each entry point and compares its runtime names (what `import` can get; API
 *    Extractor's reports do not tell `export type { X }` from `export { X }`) with
 *    `api/runtime-exports.json`, and fails when one is not named in the README (as `` `name` ``,
 *    `` `name(` `` or `` `@name` ``): every public function, class and constant is documented;
 *    those of `hotpath` in "API at a glance", those of `hotpath/extend` in "Writing your own
 *    decorator" (see {@link SECTIONS}).
 *
 * `KEEP_API=1` keeps the temporary package (declarations and reports) for a look.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CompilerState,
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  type ExtractorMessage,
  type IConfigFile,
} from '@microsoft/api-extractor';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const API = path.join(ROOT, 'api');
const update = process.argv.includes('--update');

interface Entry {
  /** The import specifier: `hotpath`, `hotpath/extend`, ... */
  readonly specifier: string;
  /** Its source, from `tshy.exports`. */
  readonly source: string;
  /** Its emitted declarations. */
  readonly dts: string;
  /** The report's base name: `hotpath`, `hotpath-extend`, ... */
  readonly report: string;
}

/** The entry points, in `tshy.exports` order, with their declarations in `work/dts/`. */
function entries(work: string): Entry[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    name: string;
    tshy: { exports: Record<string, string> };
  };
  return Object.entries(pkg.tshy.exports)
    .filter(([subpath, source]) => subpath !== './package.json' && source.startsWith('./src/'))
    .map(([subpath, source]) => {
      const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
      const relative = source.slice('./src/'.length).replace(/\.ts$/, '.d.ts');
      return {
        specifier,
        source: path.join(ROOT, source),
        dts: path.join(work, 'dts', relative),
        report: specifier.replace('/', '-'),
      };
    });
}

/** Makes the temporary package `work` and emits the declarations of `src/` into `work/dts`; throws on any error. */
function emitDeclarations(work: string): void {
  const { name, type } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    name: string;
    type: string;
  };
  writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name, version: '0.0.0', type }));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  const configPath = path.join(ROOT, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {
      noEmit: false,
      declaration: true,
      emitDeclarationOnly: true,
      declarationMap: false,
      // Declarations only, without checking function bodies (`npm run typecheck` does that,
      // before this in `npm run check`): about half the time.
      noCheck: true,
      rootDir: path.join(ROOT, 'src'),
      outDir: path.join(work, 'dts'),
    },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const { diagnostics, emitSkipped } = program.emit(undefined, undefined, undefined, true);
  if (diagnostics.length > 0 || emitSkipped) {
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => ROOT,
      getNewLine: () => '\n',
    };
    throw new Error(
      `the declarations of src/ do not emit:\n${ts.formatDiagnostics(diagnostics, host)}`,
    );
  }
}

/** API Extractor's configuration for one entry point (no config file on disk: it is all here). */
function extractorConfig(entry: Entry, all: Entry[], work: string): ExtractorConfig {
  const configObject: IConfigFile = {
    // The temporary package: locations in the reports are relative to it, the same on every machine.
    projectFolder: work,
    mainEntryPointFilePath: entry.dts,
    compiler: {
      overrideTsconfig: {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022'],
          types: ['node'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          skipLibCheck: true,
        },
        files: all.map((e) => e.dts),
      },
    },
    apiReport: {
      enabled: true,
      reportFileName: entry.report,
      reportFolder: API,
      reportTempFolder: path.join(work, 'reports'),
      // An unexported type that an export refers to is part of the surface: show it.
      includeForgottenExports: true,
    },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    newlineKind: 'lf',
    messages: {
      compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
      extractorMessageReporting: {
        default: { logLevel: ExtractorLogLevel.Warning },
        // hotpath has one release level: no @public/@beta tags.
        'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
        // Listed in the report (with its declaration) instead of failing the check.
        'ae-forgotten-export': { logLevel: ExtractorLogLevel.None, addToApiReportFile: true },
        // The report marks them `(undocumented)`; ESLint and review look after doc comments.
        'ae-undocumented': { logLevel: ExtractorLogLevel.None },
        // `{@link}` in TypeScript's sense (any name in scope), not TSDoc's (the package's exports).
        'ae-unresolved-link': { logLevel: ExtractorLogLevel.None },
      },
      // Doc comments are checked by ESLint and review, not by TSDoc's stricter grammar.
      tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
    },
  };
  return ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: path.join(work, 'api-extractor.json'),
    packageJsonFullPath: path.join(work, 'package.json'),
  });
}

/** `git diff --no-index` of two files (exit status 1 means "they differ", not an error). */
function diff(committed: string, current: string): string {
  try {
    const relative = path.relative(ROOT, committed);
    execFileSync('git', ['diff', '--no-index', '--no-color', '--', relative, current], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return '';
  } catch (error) {
    const out = (error as { stdout?: string }).stdout;
    if (typeof out === 'string' && out !== '') return out;
    throw error;
  }
}

/** The runtime names of an entry point, from loading its source. */
async function runtimeNames(entry: Entry): Promise<string[]> {
  const module = (await import(pathToFileURL(entry.source).href)) as Record<string, unknown>;
  return Object.keys(module)
    .filter((name) => name !== 'default' && name !== '__esModule')
    .sort();
}

/**
 * The README section that must name every runtime export of an entry point (the rest of the
 * entry points: anywhere in the README): the main entry's overview table claims to list them
 * all, and so does the extension section for `hotpath/extend`.
 */
const SECTIONS: Record<string, string> = {
  hotpath: '### API at a glance',
  'hotpath/extend': '## Writing your own decorator',
};

/** The text of the README section whose heading starts with `heading`, up to the next heading of its level or above. */
function section(readme: string, heading: string): string {
  const start = readme.split('\n').findIndex((line) => line.startsWith(heading));
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const level = heading.indexOf(' ');
  const lines = readme.split('\n').slice(start + 1);
  const end = lines.findIndex((line) => /^#+ /.test(line) && line.indexOf(' ') <= level);
  return lines.slice(0, end < 0 ? undefined : end).join('\n');
}

/** The names that `text` does not name in inline code (`` `name` ``, `` `name(` ``, `` `@name` ``). */
function undocumented(names: string[], text: string): string[] {
  return names.filter((name) => !new RegExp(`\`@?${name}(\`|\\(|\\b)`).test(text));
}

async function main(): Promise<void> {
  const started = performance.now();
  const work = mkdtempSync(path.join(tmpdir(), 'hotpath-api-'));
  try {
    await check(work, started);
  } finally {
    if (process.env.KEEP_API === '1') console.log(`check:api: declarations kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

async function check(work: string, started: number): Promise<void> {
  const all = entries(work);
  emitDeclarations(work);
  mkdirSync(API, { recursive: true });

  const problems: string[] = [];
  let compilerState: CompilerState | undefined;
  for (const entry of all) {
    const config = extractorConfig(entry, all, work);
    compilerState ??= CompilerState.create(config, {
      additionalEntryPoints: all.map((e) => e.dts),
    });
    const messages: string[] = [];
    const result = Extractor.invoke(config, {
      localBuild: update,
      compilerState,
      messageCallback: (message: ExtractorMessage) => {
        // Whether the report changed (and was written, with --update) is told below, with the diff.
        if (message.messageId.startsWith('console-api-report-')) {
          message.handled = true;
          return;
        }
        if (
          message.logLevel === ExtractorLogLevel.Error ||
          message.logLevel === ExtractorLogLevel.Warning
        ) {
          messages.push(message.formatMessageWithLocation(ROOT));
        }
        message.handled = true;
      },
    });
    for (const m of messages) problems.push(`${entry.specifier}: ${m}`);
    const committed = path.join(API, `${entry.report}.api.md`);
    if (result.apiReportChanged && !update) {
      const current = config.reportConfigs[0]!.fileName;
      const temp = path.join(work, 'reports', current);
      const shown = existsSync(committed)
        ? diff(committed, temp)
        : `(no ${path.relative(ROOT, committed)} yet)`;
      problems.push(
        `${entry.specifier}: the public API differs from ${path.relative(ROOT, committed)}:\n${shown}`,
      );
    } else if (result.apiReportChanged) {
      console.log(`check:api: updated ${path.relative(ROOT, committed)}`);
    }
  }

  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const runtime: Record<string, string[]> = {};
  for (const entry of all) {
    const names = await runtimeNames(entry);
    runtime[entry.specifier] = names;
    const heading = SECTIONS[entry.specifier];
    const missing = undocumented(names, heading ? section(readme, heading) : readme);
    if (missing.length > 0) {
      const where = heading ? `README.md's section "${heading}"` : 'README.md';
      problems.push(
        `${entry.specifier}: exported at run time but named nowhere in ${where}: ${missing.join(', ')}`,
      );
    }
  }

  const committedNames = path.join(API, 'runtime-exports.json');
  const currentNames = `${JSON.stringify(runtime, null, 2)}\n`;
  const before = existsSync(committedNames) ? readFileSync(committedNames, 'utf8') : undefined;
  if (update && before !== currentNames) {
    writeFileSync(committedNames, currentNames);
    console.log(`check:api: updated ${path.relative(ROOT, committedNames)}`);
  } else if (before !== currentNames) {
    const temp = path.join(work, 'runtime-exports.json');
    writeFileSync(temp, currentNames);
    const shown =
      before === undefined
        ? `(no ${path.relative(ROOT, committedNames)} yet)`
        : diff(committedNames, temp);
    problems.push(
      `the runtime exports differ from ${path.relative(ROOT, committedNames)}:\n${shown}`,
    );
  }
  const counts = Object.entries(runtime)
    .map(([specifier, names]) => `${specifier} ${names.length}`)
    .join(', ');

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (problems.length > 0) {
    for (const p of problems) console.error(`\n${p}`);
    console.error(
      `\ncheck:api: ${problems.length} problem(s) in ${all.length} entry points (${seconds} s).` +
        ' If the API change is intended, run `npm run api:update` and commit api/.',
    );
    process.exitCode = 1;
    return;
  }
  console.log(
    `check:api: ${all.length} entry points match api/ and the README; runtime names: ${counts} (${seconds} s)`,
  );
}

await main();
