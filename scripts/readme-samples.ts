/**
 * The TypeScript samples of the documentation (README.md, docs/*.md), as `npm run check:readme`
 * type-checks them and `test/tooling/readme-intro.test.ts` runs the intro one.
 *
 * A sample is a fenced block tagged `ts` or `typescript`. Each becomes a module of its own in a
 * temporary project whose `paths` send `hotpath` and its subpaths (`hotpath/redis`, ...: the
 * `tshy.exports` of package.json) to `src/`, and whose `node_modules` is a link to this
 * repository's, so a sample compiles exactly as a user would paste it into a project that
 * installed hotpath. Two markers, on the line before a block (blank lines aside), change that;
 * both require a reason and should stay rare:
 *
 * - `<!-- not-compiled: why -->`: the block is deliberately a fragment; listed, never checked.
 * - `<!-- legacy-decorators: why -->`: the block needs `experimentalDecorators` (NestJS's or
 *   inversify's own decorators, parameter decorators); checked in that mode only.
 *
 * No `import.meta` here: Jest loads this file as CommonJS. Callers pass the repository root.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One fenced TypeScript block of a Markdown file. */
export interface Sample {
  /** The Markdown file, relative to the repository root (`README.md`, `docs/x.md`). */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The block's text, without the fence's own indentation (blocks inside list items). */
  readonly code: string;
  /** Why the block is not compiled, from `<!-- not-compiled: why -->`; absent for the others. */
  readonly notCompiled?: string;
  /** The decorator modes the block is checked in (only `legacy` after `<!-- legacy-decorators -->`). */
  readonly modes: readonly SampleMode[];
  /** Why the block needs `experimentalDecorators`, from `<!-- legacy-decorators: why -->`. */
  readonly legacyOnly?: string;
}

/** The two decorator modes a sample is checked in (same flags as tsconfig.<mode>.json). */
export type SampleMode = 'tc39' | 'legacy';

const FENCE = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/;
const MARKER = /^\s*<!--\s*(not-compiled|legacy-decorators)\b(.*?)-->\s*$/;
const TS_TAGS = new Set(['ts', 'typescript']);

/**
 * The TypeScript blocks of `markdown`, in order. Throws on a marker without a reason, or one
 * that does not stand right before (blank lines aside) a TypeScript block: a marker left
 * behind by an edit must not silence the next sample down the page.
 */
export function extractSamples(markdown: string, file: string): Sample[] {
  const lines = markdown.split('\n');
  const samples: Sample[] = [];
  let marker: { line: number; kind: string; reason: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const m = MARKER.exec(text);
    if (m) {
      const [, kind, rest] = m as unknown as [string, string, string];
      const reason = rest.replace(/^\s*:/, '').trim();
      if (!rest.trim().startsWith(':') || reason === '') {
        throw new Error(`${file}:${i + 1}: write the reason: <!-- ${kind}: why -->`);
      }
      if (marker) throw new Error(`${file}:${marker.line}: one marker per block`);
      marker = { line: i + 1, kind, reason };
      continue;
    }
    const fence = FENCE.exec(text);
    if (!fence) {
      if (marker && text.trim() !== '') {
        throw new Error(`${file}:${marker.line}: a marker is not followed by a TypeScript block`);
      }
      continue;
    }
    const [, indent, ticks, tag] = fence as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const t = lines[j]!;
      if (t.trim().startsWith(ticks) && t.trim().replace(/[`~]/g, '') === '') break;
      body.push(t.startsWith(indent) ? t.slice(indent.length) : t.trimStart());
    }
    if (TS_TAGS.has(tag.toLowerCase())) {
      const code = body.join('\n') + '\n';
      const sample: Sample =
        marker?.kind === 'not-compiled'
          ? { file, line: i + 1, code, modes: [], notCompiled: marker.reason }
          : marker?.kind === 'legacy-decorators'
            ? { file, line: i + 1, code, modes: ['legacy'], legacyOnly: marker.reason }
            : { file, line: i + 1, code, modes: ['tc39', 'legacy'] };
      samples.push(sample);
    } else if (marker) {
      throw new Error(`${file}:${marker.line}: a marker is not followed by a TypeScript block`);
    }
    marker = undefined;
    i = j;
  }
  if (marker) {
    throw new Error(`${file}:${marker.line}: a marker is not followed by a TypeScript block`);
  }
  return samples;
}

/** The module file a sample is written to: `README.md` line 8 is `README-8.ts`. */
export function sampleFileName(sample: Sample): string {
  return `${sample.file.replace(/\.md$/i, '').replace(/[^\w-]+/g, '_')}-${sample.line}.ts`;
}

/**
 * `paths` sending `hotpath` and each of its subpaths to their sources, from `tshy.exports`
 * (the single list of entry points: a new one is checked as soon as it is declared there).
 */
export function hotpathPaths(root: string): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    name: string;
    tshy: { exports: Record<string, string> };
  };
  const paths: Record<string, string[]> = {};
  for (const [subpath, source] of Object.entries(pkg.tshy.exports)) {
    if (!source.endsWith('.ts')) continue; // './package.json'
    paths[pkg.name + subpath.slice(1)] = [path.join(root, source)];
  }
  return paths;
}

/**
 * Writes `samples` (those to compile) into `dir`, links `dir/node_modules` to the repository's,
 * makes `dir` an ES module package, and writes `dir/tsconfig.<mode>.json` for each mode: the repository's own settings for that
 * mode (strict, `isolatedModules`, bundler resolution, ...), every file a module of its own.
 * Returns the written sample files by absolute path.
 */
export function writeSampleProject(
  dir: string,
  root: string,
  samples: readonly Sample[],
): Map<string, Sample> {
  mkdirSync(dir, { recursive: true });
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  // An ES module project, as the samples are written (top-level await, `import`).
  writeFileSync(path.join(dir, 'package.json'), '{ "private": true, "type": "module" }\n');
  const files = new Map<string, Sample>();
  for (const sample of samples) {
    if (sample.modes.length === 0) continue;
    const file = path.join(dir, sampleFileName(sample));
    writeFileSync(file, sample.code);
    files.set(file, sample);
  }
  for (const mode of ['tc39', 'legacy'] as const) {
    const config = {
      extends: path.join(root, `tsconfig.${mode}.json`),
      compilerOptions: {
        rootDir: '/',
        moduleDetection: 'force',
        paths: hotpathPaths(root),
      },
      files: [...files]
        .filter(([, sample]) => sample.modes.includes(mode))
        .map(([file]) => path.basename(file)),
      include: [],
      exclude: [],
    };
    writeFileSync(path.join(dir, `tsconfig.${mode}.json`), JSON.stringify(config, null, 2));
  }
  return files;
}
