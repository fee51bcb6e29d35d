/**
 * @jest-config-loader-options {"transpileOnly": true, "compilerOptions": {"moduleResolution": "bundler", "rootDir": "."}}
 */
// Two projects over the same tests, one per decorator mode (PLATFORM.md, "Jest").
// Shared pieces live in test/setup/jest-project.ts so that fixture configs reuse them.
import type { Config } from 'jest';
import { project, runOptions } from './test/setup/jest-project';

const config: Config = {
  ...runOptions,
  projects: [project('tc39'), project('legacy')],
};

export default config;
