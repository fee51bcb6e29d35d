/**
 * Waits for something that happens in the background (a write landing, a connection coming
 * back): polls `check` every `every` ms (default 20) and resolves `true` as soon as it holds,
 * or `check()`'s last answer after `ms`. A liveness bound, not a timed assertion: tests assert
 * the state it waited for.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms: number,
  every = 20,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, every));
  }
  return check();
}
