// ESLint flat config: @eslint/js + typescript-eslint recommended, syntax only (no type
// information) to keep `npm run lint` fast; `npm run typecheck` does the type checking.
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/ (docs/ARCHITECTURE.md, "Layers"): imports point down only, core →
 * decorators → registry → integrations. For each directory, the directories (and top-level
 * files) of src/ it may import besides its own; anything else reached through `../` is an
 * error. A decorator imports core and the peers it is built on, never the registry: what it
 * needs of one is core's `Runtime`.
 */
const DECORATORS = [
  'batched',
  'cached',
  'debounce',
  'lazy',
  'pool',
  'profile',
  'rate-limit',
  'retry',
  'throttle',
  'timeout',
  'timing',
  'use',
];
const BELOW_INTEGRATIONS = ['core', 'errors.js', ...DECORATORS, 'registry'];
const LAYERS = {
  core: ['errors.js'],
  // Decorators: core, and the peer a decorator is built on.
  ...Object.fromEntries(DECORATORS.map((d) => [d, ['core', 'errors.js']])),
  debounce: ['core', 'errors.js', 'timing'],
  throttle: ['core', 'errors.js', 'timing'],
  timeout: ['core', 'errors.js', 'retry'],
  // The acquire-wait histogram is @profile's.
  pool: ['core', 'errors.js', 'profile'],
  registry: ['core', 'errors.js', ...DECORATORS],
  // Integrations: each a subpath of its own; nestjs shares http/'s rate-limit headers.
  http: BELOW_INTEGRATIONS,
  redis: BELOW_INTEGRATIONS,
  inversify: BELOW_INTEGRATIONS,
  otel: BELOW_INTEGRATIONS,
  prometheus: BELOW_INTEGRATIONS,
  nestjs: [...BELOW_INTEGRATIONS, 'http'],
};

// A directory added to src/ must be placed in a layer before lint passes.
const unplaced = readdirSync(new URL('src/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !(entry.name in LAYERS))
  .map((entry) => `src/${entry.name}/`);
if (unplaced.length > 0) {
  throw new Error(
    `eslint.config.js: ${unplaced.join(', ')} is in no layer; add it to LAYERS (docs/ARCHITECTURE.md, "Layers")`,
  );
}

const escape = (name) => name.replace(/\./g, '\\.');

const layerRules = Object.entries(LAYERS).map(([dir, allowed]) => ({
  files: [`src/${dir}/**/*.{ts,cts}`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `^\\.\\./(?!(${allowed.map(escape).join('|')})(/|$))`,
            message: `src/${dir}/ may import only ${allowed.map((a) => (a.endsWith('.js') ? `src/${a.replace(/\.js$/, '.ts')}` : `src/${a}/`)).join(', ')} from the rest of src/: the layers are core → decorators → registry → integrations (docs/ARCHITECTURE.md, "Layers").`,
          },
        ],
      },
    ],
  },
}));

export default defineConfig(
  globalIgnores(['dist/', '.tshy/', '.tshy-build/', 'node_modules/', 'coverage/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...layerRules,
  {
    // The bottom of every layer: the error classes import nothing of hotpath.
    files: ['src/errors.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.', message: 'src/errors.ts imports nothing from src/.' }] },
      ],
    },
  },
);
