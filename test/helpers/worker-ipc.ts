/**
 * The child side of `redis-workers.ts`, for the worker fixtures: answers each request
 * `{ id, op, ... }` from the parent with one reply `{ id, ok, value | error }`, and sends the
 * start-up report (id 0) once the fixture's connections are ready.
 *
 * Imported by fixtures run with `node --import tsx` (TSX_TSCONFIG_PATH picks the decorator
 * mode); no Jest import.
 */

/** A request from the parent. */
type Request = { id: number; op: string; [field: string]: unknown };

/** What a worker does per `op`. */
export type Handlers = Record<string, (req: Request) => Promise<unknown> | unknown>;

/** The decorator standard this process was compiled with (a legacy decorator gets 3 arguments). */
let mode = 'unknown';
function probe(_value: unknown, context?: unknown, descriptor?: unknown): void {
  mode = descriptor === undefined && typeof context === 'object' ? 'tc39' : 'legacy';
}
class Probe {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  @(probe as any)
  m(): void {}
}
void Probe;

/**
 * Serves `handlers` on the IPC channel, and reports `{ pid, mode, ...await ready() }` as the
 * start-up reply once `ready()` resolves (e.g. `{ busReady }`).
 */
export function serveRequests(
  handlers: Handlers,
  ready: () => Promise<Record<string, unknown>>,
): void {
  process.on('message', (req: Request) => {
    void (async () => {
      try {
        const handler = handlers[req.op];
        if (!handler) throw new Error(`unknown op '${req.op}'`);
        process.send!({ id: req.id, ok: true, value: await handler(req) });
      } catch (error) {
        process.send!({ id: req.id, ok: false, error: String(error) });
      }
    })();
  });
  void (async () => {
    const report = await ready();
    process.send!({ id: 0, ok: true, value: { pid: process.pid, mode, ...report } });
  })();
}
