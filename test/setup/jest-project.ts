/**
 * Shared Jest configuration pieces, used by the root `jest.config.ts` and by the fixture
 * configs under `test/tooling/fixtures/` (so the tooling tests exercise the real setup).
 *
 * Loaded by Jest through ts-node as CommonJS, hence `__dirname` and extensionless imports.
 */
import path from 'node:path';
import type { Config } from 'jest';

/** One entry of `projects` (Jest's `InitialProjectOptions`). */
export type ProjectOptions = Exclude<NonNullable<Config['projects']>[number], string>;

/** The two decorator modes every behavioural test runs in. */
export type DecoratorMode = 'tc39' | 'legacy';

/**
 * Absolute path of the repository root. Loaded as an ES module (by `npm run soak` through tsx)
 * there is no `__dirname`: npm runs scripts at the repository root.
 */
export const REPO_ROOT =
  typeof __dirname === 'string' ? path.resolve(__dirname, '../..') : process.cwd();

const setupFile = (name: string): string => path.join(REPO_ROOT, 'test/setup', name);

/**
 * ESM-only packages that Jest's CommonJS runtime cannot load as they are: ts-jest
 * down-levels them (see PLATFORM.md).
 */
const ESM_ONLY_PACKAGES = ['inversify', '@inversifyjs'];

/**
 * Global (run-level) options. Projects cannot set these.
 *
 * `waitForUnhandledRejections` gives the event loop one turn after every test and hook so
 * that an `unhandledRejection` surfaces while its test is still the current one: Jest 30
 * then fails that test with the rejection's reason. `globalSetup`/`globalTeardown` handle
 * rejections that surface outside any test (see `environment.ts`).
 */
export const runOptions = {
  verbose: true,
  // Jest prints nothing for a file whose tests are all skipped: list skipped suites, with
  // the reason `describeRedis`/`describePostgres` put in their names.
  reporters: ['default', setupFile('skipped-reporter.cjs')],
  waitForUnhandledRejections: true,
  globalSetup: setupFile('global-setup.ts'),
  globalTeardown: setupFile('global-teardown.ts'),
} satisfies Config;

export interface ProjectOverrides {
  /** Directory searched for tests; defaults to the repository root. */
  rootDir?: string;
  /** Test globs relative to `rootDir`; defaults to `test/**\/*.test.ts`. */
  testMatch?: string[];
}

/**
 * One Jest project per decorator mode: the same tests, compiled by ts-jest (transpile only)
 * with `tsconfig.<mode>.json`. `*.legacy.test.ts` files run only in the `legacy` project.
 */
export function project(mode: DecoratorMode, overrides: ProjectOverrides = {}): ProjectOptions {
  // Fixture suites (test/tooling/fixtures/) are run by the tooling tests with their own
  // config, never by the main run.
  const ignore =
    overrides.rootDir === undefined ? ['/node_modules/', '/fixtures/'] : ['/node_modules/'];
  if (mode === 'tc39') ignore.push('\\.legacy\\.test\\.ts$');
  return {
    displayName: { name: mode, color: mode === 'tc39' ? 'cyan' : 'magenta' },
    rootDir: overrides.rootDir ?? REPO_ROOT,
    testMatch: overrides.testMatch ?? ['<rootDir>/test/**/*.test.ts'],
    testPathIgnorePatterns: ignore,
    testEnvironment: setupFile('environment.ts'),
    testTimeout: 20_000,
    transform: {
      '^.+\\.c?ts$': ['ts-jest', { tsconfig: path.join(REPO_ROOT, `tsconfig.${mode}.json`) }],
      '^.+\\.m?js$': ['ts-jest', { tsconfig: setupFile('tsconfig.node-modules.json') }],
    },
    transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY_PACKAGES.join('|')})/)`],
    moduleNameMapper: {
      // tshy's dialect switch: Jest runs the sources as CommonJS, so a module with a CommonJS
      // version (`src/core/require-here-cjs.cts`, for `import.meta`) gets that one, as in
      // the CommonJS build.
      '^(\\.{1,2}/(?:.*/)?)require-here\\.js$': '$1require-here-cjs.cts',
      // Sources import `./x.js`; the file on disk is `./x.ts`.
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    setupFiles: [setupFile(`mode-${mode}.ts`)],
    setupFilesAfterEnv: [setupFile('unhandled-rejections.ts')],
  };
}
