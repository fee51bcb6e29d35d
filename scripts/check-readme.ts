/**
 * `npm run check:readme` (part of `npm run check`): every TypeScript sample of README.md and
 * docs/*.md must compile as pasted, with TC39 decorators and with `experimentalDecorators`.
 *
 * Each ```ts block becomes a module of its own in a temporary project that resolves `hotpath`
 * and its subpaths to `src/` (see `readme-samples.ts`); both modes are type-checked with the
 * repository's compiler and settings, and each error is reported at its line in the Markdown
 * file. Blocks marked `<!-- not-compiled: why -->` are listed with their reason, not checked;
 * blocks marked `<!-- legacy-decorators: why -->` (NestJS, inversify's parameter decorators) are
 * checked with `experimentalDecorators` only.
 * `KEEP_SAMPLES=1` keeps the temporary project for a look (`npx tsc -p <dir>/tsconfig.tc39.json`).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import {
  extractSamples,
  writeSampleProject,
  type Sample,
  type SampleMode,
} from './readme-samples.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The Markdown files whose samples are checked, relative to the root. */
function documents(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** Type-checks the project in `dir` for `mode`; returns its errors by sample. */
function check(dir: string, mode: SampleMode, files: Map<string, Sample>): Map<Sample, string[]> {
  const configPath = path.join(dir, `tsconfig.${mode}.json`);
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const errors = new Map<Sample, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
    const sample = d.file ? files.get(path.resolve(d.file.fileName)) : undefined;
    let where: string;
    if (sample && d.file && d.start !== undefined) {
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      where = `${sample.file}:${sample.line + 1 + line}:${character + 1}`;
    } else {
      // An error outside the samples (a config problem, or src/ itself): fail loudly anyway.
      where = d.file ? path.relative(ROOT, d.file.fileName) : 'tsconfig';
    }
    const key = sample ?? ({ file: where, line: 0, code: '', modes: [] } satisfies Sample);
    const list = errors.get(key) ?? [];
    list.push(`${where} (${mode}): error TS${d.code}: ${text}`);
    errors.set(key, list);
  }
  return errors;
}

function main(): void {
  const samples = documents().flatMap((file) =>
    extractSamples(readFileSync(path.join(ROOT, file), 'utf8'), file),
  );
  const skipped = samples.filter((s) => s.notCompiled !== undefined);
  const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-readme-'));
  try {
    const files = writeSampleProject(dir, ROOT, samples);
    const failed = new Map<Sample, string[]>();
    for (const mode of ['tc39', 'legacy'] as const) {
      for (const [sample, errors] of check(dir, mode, files)) {
        failed.set(sample, [...(failed.get(sample) ?? []), ...errors]);
      }
    }
    for (const s of samples) {
      if (s.notCompiled !== undefined) {
        console.log(`${s.file}:${s.line}: not compiled (${s.notCompiled})`);
      } else if (s.legacyOnly !== undefined) {
        console.log(`${s.file}:${s.line}: experimentalDecorators only (${s.legacyOnly})`);
      }
    }
    const sorted = [...failed].sort(([a], [b]) => a.file.localeCompare(b.file) || a.line - b.line);
    for (const [sample, errors] of sorted) {
      console.error(`\n${sample.file}:${sample.line}: sample does not compile`);
      for (const e of errors) console.error(`  ${e}`);
    }
    const legacyOnly = samples.filter((s) => s.legacyOnly !== undefined).length;
    const summary =
      `${files.size} samples compiled (${files.size - legacyOnly} in both decorator modes, ` +
      `${legacyOnly} with experimentalDecorators only), ${skipped.length} marked not-compiled`;
    if (failed.size > 0) {
      console.error(`\ncheck:readme: ${failed.size} failing of ${summary}`);
      process.exitCode = 1;
    } else {
      console.log(`check:readme: ${summary}; all pass`);
    }
  } finally {
    if (process.env.KEEP_SAMPLES === '1') console.log(`check:readme: samples kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main();
