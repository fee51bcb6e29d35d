/**
 * The promises of a batch's single-item callers (`gate.then(pick)`, see `batch.ts`),
 * kept for one reason: when hotpath itself rejects them (`cancel()` → `E_CANCELLED`, a
 * shutdown past its timeout → `E_SHUTDOWN`), a caller who fired and forgot must not get an
 * unhandled rejection, and a native promise's rejection can only be marked handled through a
 * reference to it (nothing else reaches the promises `then` derived from the gate).
 */
import { silenceRejection } from '../core/observed-promise.js';

/**
 * Promises per chunk. A single array for 100 000 callers grows into V8's large-object space
 * (old generation) past about 16 000 entries: every store of a young promise then goes
 * through the write barrier into the remembered set, and each scavenge walks it. Small chunks
 * are ordinary young objects. Measured with 100 000 single-item calls in one tick: about half
 * the CPU time the single array added per call.
 */
const CHUNK = 1024;

/** The promises of one batch's single-item callers, in chunks. */
export class SingleCallers {
  /** The chunk being filled. */
  #chunk: Promise<unknown>[] = [];
  /** Full chunks, made once the first one fills. */
  #full: Promise<unknown>[][] | undefined = undefined;

  /** Keeps a caller's promise. */
  add(promise: Promise<unknown>): void {
    let chunk = this.#chunk;
    if (chunk.length === CHUNK) {
      (this.#full ??= []).push(chunk);
      this.#chunk = chunk = [];
    }
    chunk.push(promise);
  }

  /** How many callers there are. */
  get size(): number {
    return (this.#full === undefined ? 0 : this.#full.length * CHUNK) + this.#chunk.length;
  }

  /** Marks every caller's rejection as handled (hotpath's own rejections only). */
  silence(): void {
    if (this.#full !== undefined)
      for (const chunk of this.#full) for (const p of chunk) silenceRejection(p);
    for (const p of this.#chunk) silenceRejection(p);
  }
}
