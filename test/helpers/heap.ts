/**
 * Heap measures for fixtures run with `--expose-gc` (see child-fixture.ts): how many bytes stay
 * reachable per object a program makes and drops.
 */

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (typeof collect !== 'function') throw new Error('run this fixture with --expose-gc');
  collect();
};

const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

/**
 * `heapUsed` once garbage collection has settled. Collects across several event-loop turns:
 * objects a `WeakRef` was made to (or read from) stay alive until the current job ends, and
 * finalization callbacks run in turns of their own.
 */
export async function settledHeapUsed(): Promise<number> {
  for (let i = 0; i < 6; i++) {
    await nextTurn();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/**
 * Bytes still reachable per item after `make` ran `n` times (awaited) and every item was
 * dropped. Items are made `perTurn` to an event-loop turn, as a service makes them per request.
 * `make` runs once before the first measure, so code and lazily built module state (the
 * default registry, shared tables) are not counted.
 */
export async function retainedPerItem(
  make: () => unknown,
  n: number,
  perTurn = 50,
): Promise<number> {
  await make();
  const before = await settledHeapUsed();
  for (let i = 0; i < n; i++) {
    await make();
    if (i % perTurn === perTurn - 1) await nextTurn();
  }
  const after = await settledHeapUsed();
  return (after - before) / n;
}
