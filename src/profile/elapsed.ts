/**
 * The clock `@profile` and `registry.measure()` time calls with: `process.hrtime.bigint()`,
 * reached through the `node:process` module.
 *
 * Why not `performance.now()`: on Node 20 a pair of `hrtime.bigint()` readings and their
 * difference cost about 80 ns of CPU on these VMs (kvm-clock), a pair of `performance.now()`
 * readings about 100 ns: `performance` and `process` are accessors on Node's global object (a
 * getter call per read), and `performance.now()` checks its receiver before reading the clock.
 * The module's `process` is a plain object (no getter), and is still the one Jest's modern fake
 * timers patch (Jest hands a test's `node:process` its own `process`, whose `hrtime` they fake,
 * `hrtime.bigint` included), so a test can still make a call "take" 25 ms. The difference of two
 * readings is a small BigInt: converting it to a number is cheap, unlike a whole reading.
 */
import nodeProcess from 'node:process';

/** A reading to hand {@link elapsedNs} later. */
export function startNs(): bigint {
  return nodeProcess.hrtime.bigint();
}

/** Nanoseconds since `start` (a {@link startNs} reading), as a number. */
export function elapsedNs(start: bigint): number {
  return Number(nodeProcess.hrtime.bigint() - start);
}
