/**
 * Jest `globalSetup`: creates the directory where test processes report promise rejections
 * that surfaced outside any test (see `environment.ts`). Workers inherit the variable.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export default function globalSetup(): void {
  process.env.HOTPATH_JEST_REPORT_DIR = mkdtempSync(path.join(tmpdir(), 'hotpath-jest-'));
}
