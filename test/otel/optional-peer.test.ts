/**
 * `@opentelemetry/api` and `prom-client` are optional peers reached only through
 * `hotpath/otel` and `hotpath/prometheus`: a fresh Node process that imports the main entry
 * point resolves neither. A resolve hook (fixtures/record-resolutions.mjs) records every module
 * URL the child resolves; the children importing the subpaths are the controls.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../setup/jest-project.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hotpath-otel-peer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The module URLs a fresh Node process resolves while importing `entry` (through tsx). */
function resolvedBy(name: string, entry: string): string[] {
  const file = path.join(dir, `${name}.log`);
  execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      './test/otel/fixtures/record-resolutions.mjs',
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(entry)});`,
    ],
    { cwd: REPO_ROOT, env: { ...process.env, RESOLUTIONS_FILE: file }, timeout: 15_000 },
  );
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

const PEERS = /\/node_modules\/(@opentelemetry\/[^/]+|prom-client)\//;

function peersIn(urls: string[]): string[] {
  return [...new Set(urls.flatMap((url) => PEERS.exec(url)?.[1] ?? []))].sort();
}

describe('OpenTelemetry and prom-client as optional peers', () => {
  it('are never loaded by a consumer who imports only the main entry point', () => {
    const urls = resolvedBy('main', './src/index.ts');
    expect(urls).toContain(`file://${REPO_ROOT}/src/profile/profile.ts`);
    expect(peersIn(urls)).toEqual([]);
  });

  it('are loaded through hotpath/otel and hotpath/prometheus, each only its own', () => {
    expect(peersIn(resolvedBy('otel', './src/otel/index.ts'))).toEqual(['@opentelemetry/api']);
    expect(peersIn(resolvedBy('prometheus', './src/prometheus/index.ts'))).toEqual(['prom-client']);
  });
});
