/**
 * The message of anything thrown, for messages that quote a cause: an `Error`'s own `message`
 * (without its name), anything else as `String()` makes it. Every "failed (...)" / "failed: ..."
 * message hotpath writes about a caught error goes through it.
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
