/**
 * `npm run check:consumers` (after `npm run build`): packs the package as `npm publish` would
 * and type-checks consumers of it (scripts/consumer/) with the oldest and the newest
 * TypeScript the README promises, as an ES module and as CommonJS, with TC39 decorators and
 * with `experimentalDecorators`, without `skipLibCheck`, so that a `.d.ts` that only a recent
 * compiler understands fails here instead of in a user's build.
 *
 * The consumers see the unpacked tarball and, linked from this repository's node_modules, only
 * what the package declares (dependencies, peer dependencies) plus `@types/node`: a type the
 * `.d.ts` files take from an undeclared package fails too. The compilers are devDependency
 * aliases (`typescript-5.0`, ...); they are run by path, never through node_modules/.bin.
 * `KEEP_CONSUMERS=1` keeps the temporary consumer directory for a look.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONSUMERS = path.join(ROOT, 'scripts/consumer');

/**
 * Which consumer files each compiler checks (README, "Supported TypeScript"): 5.0 is the
 * oldest for everything but `hotpath/inversify`, whose peer inversify 8 ships `.d.ts` files
 * that need 5.8; 7.0 is the newest.
 */
const TARGETS: readonly { compiler: string; files: readonly string[] }[] = [
  { compiler: 'typescript-5.0', files: ['app.ts'] },
  { compiler: 'typescript-5.8', files: ['container.ts'] },
  { compiler: 'typescript-7.0', files: ['app.ts', 'container.ts'] },
];

/** One consumer package per module system; `type` decides how `app.ts` is read. */
const MODULES = { esm: 'module', cjs: 'commonjs' } as const;

const DECORATORS = {
  tc39: {},
  legacy: { experimentalDecorators: true, emitDecoratorMetadata: true },
} as const;

interface Run {
  label: string;
  ok: boolean;
  output: string;
  seconds: number;
}

function fail(message: string): never {
  console.error(`check:consumers: ${message}`);
  process.exit(1);
}

/** The check packs what `npm run build` left in dist/; it does not build (CI builds just before). */
function checkBuild(): void {
  if (!existsSync(path.join(ROOT, 'dist/esm/index.d.ts'))) {
    fail('no dist/: run `npm run build` first');
  }
}

/** Packs the package into `dir` and unpacks it as `dir/node_modules/hotpath`. */
function install(dir: string): string[] {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
    }),
  ) as { filename: string }[];
  const target = path.join(dir, 'node_modules/hotpath');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', [
    '-xzf',
    path.join(dir, packed[0]!.filename),
    '-C',
    target,
    '--strip-components=1',
  ]);
  const manifest = JSON.parse(readFileSync(path.join(target, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  return [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    '@types/node',
  ];
}

/** Links each of `names` from this repository's node_modules into `dir/node_modules`. */
function link(dir: string, names: string[]): void {
  for (const name of names) {
    const from = path.join(ROOT, 'node_modules', name);
    if (!existsSync(from)) fail(`${name} is not installed: run \`npm ci\``);
    const to = path.join(dir, 'node_modules', name);
    mkdirSync(path.dirname(to), { recursive: true });
    symlinkSync(from, to, 'dir');
  }
}

/**
 * Writes the consumer packages `dir/<esm|cjs>/`: the consumer files and one tsconfig per
 * compiler and decorator mode (`tsconfig.<compiler>.<mode>.json`).
 */
function writeConsumers(dir: string): void {
  for (const [kind, type] of Object.entries(MODULES)) {
    const pkg = path.join(dir, kind);
    mkdirSync(pkg);
    writeFileSync(
      path.join(pkg, 'package.json'),
      JSON.stringify({ name: `consumer-${kind}`, private: true, type }),
    );
    for (const file of readdirSync(CONSUMERS)) {
      copyFileSync(path.join(CONSUMERS, file), path.join(pkg, file));
    }
    for (const [mode, flags] of Object.entries(DECORATORS)) {
      const compilerOptions = {
        target: 'ES2022',
        lib: ['ES2022'],
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: ['node'],
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        ...flags,
      };
      for (const { compiler, files } of TARGETS) {
        writeFileSync(
          path.join(pkg, `tsconfig.${compiler}.${mode}.json`),
          JSON.stringify({ compilerOptions, files }, null, 2),
        );
      }
    }
  }
}

function compile(dir: string, compiler: string, kind: string, mode: string): Promise<Run> {
  const tsc = path.join(ROOT, 'node_modules', compiler, 'bin/tsc');
  const { version } = JSON.parse(
    readFileSync(path.join(ROOT, 'node_modules', compiler, 'package.json'), 'utf8'),
  ) as { version: string };
  const files = TARGETS.find((t) => t.compiler === compiler)!.files.join(' + ');
  const label = `TypeScript ${version.padEnd(6)} ${kind.padEnd(4)} ${mode.padEnd(6)} ${files}`;
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsc, '-p', path.join(dir, kind, `tsconfig.${compiler}.${mode}.json`), '--pretty', 'false'],
      { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const seconds = (performance.now() - started) / 1000;
        resolve({ label, ok: !error, output: `${stdout}${stderr}`.trim(), seconds });
      },
    );
  });
}

/** Runs `jobs` with at most `limit` at a time; the results are in job order. */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

async function main(): Promise<void> {
  checkBuild();
  const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-consumers-'));
  try {
    link(dir, install(dir));
    writeConsumers(dir);
    const jobs = TARGETS.flatMap(({ compiler }) =>
      Object.keys(MODULES).flatMap((kind) =>
        Object.keys(DECORATORS).map((mode) => () => compile(dir, compiler, kind, mode)),
      ),
    );
    const runs = await pool(jobs, Math.max(1, availableParallelism()));
    for (const run of runs) {
      console.log(`${run.ok ? 'ok  ' : 'FAIL'} ${run.label} ${run.seconds.toFixed(1)} s`);
      if (!run.ok) console.log(run.output.replaceAll(dir, '<consumer>').replace(/^/gm, '     '));
    }
    if (runs.some((run) => !run.ok)) process.exitCode = 1;
  } finally {
    if (process.env.KEEP_CONSUMERS) console.log(`consumers kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
