/**
 * `@nestjs/common` and `@nestjs/core` are optional peers reached only through
 * `hotpath/nestjs`: a fresh Node process that imports the main entry point resolves
 * neither. A resolve hook (test/inversify/fixtures/record-resolutions.mjs) records every module URL the child
 * resolves; the same child importing the subpath is the control that shows the hook sees them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../setup/jest-project.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-nestjs-peer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The module URLs a fresh Node process resolves while importing `entries` (through tsx). */
function resolvedBy(name: string, entries: string[]): string[] {
  const file = path.join(dir, `${name}.log`);
  const script = entries.map((entry) => `await import(${JSON.stringify(entry)});`).join(' ');
  execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      './test/inversify/fixtures/record-resolutions.mjs',
      '--input-type=module',
      '-e',
      script,
    ],
    { cwd: REPO_ROOT, env: { ...process.env, RESOLUTIONS_FILE: file }, timeout: 15_000 },
  );
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

const PEERS = /\/node_modules\/(@nestjs\/[^/]+)\//;

function peersIn(urls: string[]): string[] {
  return [...new Set(urls.flatMap((url) => PEERS.exec(url)?.[1] ?? []))].sort();
}

describe('NestJS as an optional peer', () => {
  it('is never loaded by a consumer who imports only the main entry point', () => {
    const urls = resolvedBy('main', ['./src/index.ts']);
    expect(urls).toContain(`file://${REPO_ROOT}/src/index.ts`);
    expect(urls).toContain(`file://${REPO_ROOT}/src/registry/hotpath.ts`);
    expect(peersIn(urls)).toEqual([]);
  });

  it('is loaded through hotpath/nestjs', () => {
    const urls = resolvedBy('subpath', ['./src/nestjs/index.ts']);
    expect(peersIn(urls)).toEqual(['@nestjs/common', '@nestjs/core']);
  });
});
