/**
 * Jest `globalTeardown`: fails the run if any test process reported a promise rejection
 * that surfaced outside any test (see `environment.ts`).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

export default function globalTeardown(): void {
  const dir = process.env.HOTPATH_JEST_REPORT_DIR;
  if (!dir) return;
  const reports = readdirSync(dir)
    .filter((name) => name.startsWith('late-rejections.'))
    .map((name) => readFileSync(path.join(dir, name), 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  if (reports.length > 0) {
    throw new Error(
      `Unhandled promise rejection(s) outside any running test:\n\n${reports.join('')}`,
    );
  }
}
