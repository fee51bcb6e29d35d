/**
 * `npm run soak [-- options]`: the invalidation soak (test/helpers/soak-run.ts) for longer than
 * the test suite runs it. Prints the checker's summary and the registry errors of each
 * process; exits with 1 on any stale read, failed call or impossible read, 2 on bad usage.
 *
 *   --seconds <n>     how long the writer and readers run (env SOAK_SECONDS, default 60)
 *   --readers <n>     reader processes (default 3)
 *   --writer-reads    the writer runs a @cached read before writing (default: write-only)
 *   --mode <m>        decorator mode of the children, tc39 (default) or legacy
 *   --history <file>  also write the raw history (commits, reads, faults, per-process
 *                     errors and bus deliveries) as JSON
 *
 * Needs `redis-server` on the PATH; it starts its own on a free port (never the shared one).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

function usage(message: string): never {
  console.error(`npm run soak: ${message}`);
  process.exit(2);
}

function options() {
  try {
    return parseArgs({
      options: {
        seconds: { type: 'string', default: process.env.SOAK_SECONDS ?? '60' },
        readers: { type: 'string', default: '3' },
        'writer-reads': { type: 'boolean', default: false },
        mode: { type: 'string', default: 'tc39' },
        history: { type: 'string' },
      },
    }).values;
  } catch (error) {
    return usage((error as Error).message);
  }
}

const values = options();
const seconds = Number(values.seconds);
const readers = Number(values.readers);
if (!(seconds > 0)) usage(`--seconds must be a positive number, got ${values.seconds}`);
if (!Number.isInteger(readers) || readers < 1) {
  usage(`--readers must be a positive integer, got ${values.readers}`);
}
if (values.mode !== 'tc39' && values.mode !== 'legacy') {
  usage(`--mode must be tc39 or legacy, got ${values.mode}`);
}
// Read by test/helpers/mode.ts when the harness loads: the children compile in this mode.
process.env.HOTPATH_DECORATORS = values.mode;
const { runSoak, formatErrors } = await import('../test/helpers/soak-run.js');
const { formatVerdict, passed } = await import('../test/helpers/soak-checker.js');

console.log(
  `soak: ${seconds} s, 1 writer (${values['writer-reads'] ? 'also reads' : 'write-only'}), ` +
    `${readers} readers, ${values.mode} decorators; Redis killed, frozen and flushed in turn`,
);
const result = await runSoak({
  durationMs: seconds * 1_000,
  readers,
  writerReads: values['writer-reads'],
});
console.log(formatVerdict(result.verdict));
const errors = formatErrors(result);
if (errors) console.log(`errors (registry events, bus and lock connections):\n${errors}`);
if (!result.cleanExit) console.log('a child process did not exit by itself (leaked handle)');
if (values.history) {
  const { commits, reads, faults, processes } = result;
  await writeFile(values.history, JSON.stringify({ commits, reads, faults, processes }));
  console.log(`history written to ${values.history}`);
}
process.exit(passed(result.verdict) && result.cleanExit ? 0 : 1);
