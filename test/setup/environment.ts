/**
 * Jest test environment: Node's, plus a guard for promise rejections that surface outside
 * any test.
 *
 * Inside a test file's run, jest-circus owns the process's `unhandledRejection` listeners
 * and fails the test (or hook) during which a rejection surfaced: that is what makes a
 * leaked rejection fail its test. (A `process.on('unhandledRejection')` call inside a test
 * or setup file does nothing: it registers on the sandbox's `process` object, not Node's.)
 *
 * Between and after test files, Node's default `--unhandled-rejections=throw` applies
 * instead: a Jest worker crashes, Jest replaces it, and the run can still pass. This guard,
 * installed once per process on the real `process`, turns such a rejection into a message
 * on stderr, a non-zero exit code, and a report that `global-teardown.ts` turns into a
 * failed run.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import NodeEnvironment from 'jest-environment-node';

type EnvironmentArgs = ConstructorParameters<typeof NodeEnvironment>;

interface GuardState {
  lastTestPath: string;
}

const GUARD = Symbol.for('hotpath.jest.lateRejectionGuard');

function guardState(): GuardState {
  const holder = process as unknown as Record<symbol, GuardState | undefined>;
  const existing = holder[GUARD];
  if (existing) return existing;
  const state: GuardState = { lastTestPath: '(no test file yet)' };
  holder[GUARD] = state;
  process.on('unhandledRejection', (reason) => {
    const text =
      `Unhandled promise rejection outside any running test ` +
      `(last test file in this process: ${path.relative(process.cwd(), state.lastTestPath)}):\n` +
      inspect(reason);
    process.stderr.write(`\n[hotpath] ${text}\n`);
    process.exitCode = 1;
    const dir = process.env.HOTPATH_JEST_REPORT_DIR;
    if (!dir) return;
    try {
      appendFileSync(path.join(dir, `late-rejections.${process.pid}.log`), `${text}\n\n`);
    } catch {
      // The run's global teardown already ran; the exit code and message above remain.
    }
  });
  return state;
}

export default class HotpathEnvironment extends NodeEnvironment {
  constructor(config: EnvironmentArgs[0], context: EnvironmentArgs[1]) {
    super(config, context);
    guardState().lastTestPath = context.testPath;
  }
}
