/**
 * The direct read of a store on one Redis server (see direct-get.ts): the reads `@cached` asks
 * for within one turn of the microtask queue leave as one `MGET` (one alone as a `GET`).
 *
 * Why: node-redis already sends every command of a turn in one socket write, but each still
 * costs a command of its own on both sides (encoding, its place in the reply queue, its
 * promise; on the server, parsing and dispatch). With 100 reads in flight, one `MGET` per turn
 * cut node-redis's CPU per read from 2.6 µs to 1.2 µs and let the server answer about three
 * times as many reads per second (bench/shared-tier.bench.ts, and BENCHMARKS.md for the
 * figures). No read waits longer for it: the batch leaves at the end of the turn that issued
 * it, before node-redis's own write (a `setImmediate`) would have sent the first `GET` anyway.
 *
 * What stays the same for the caller: each read resolves the stored string or `undefined`,
 * or rejects with the command's error (a failed batch rejects each of its reads, and each
 * counts as that caller's failed read). One difference: a key holding another type than a
 * string reads as a miss (`MGET` answers nil) where `GET` failed with `WRONGTYPE`; hotpath
 * never writes such keys.
 *
 * Not on a Redis Cluster: the keys of one `MGET` must share a slot.
 */

/** How a batch is sent: the stored keys to the stored strings (null when missing). */
export interface BatchSender {
  /** One key (`GET`). */
  one(key: string): Promise<string | null | undefined>;
  /** Several keys (`MGET`), answered in the same order. */
  many(keys: string[]): Promise<readonly (string | null | undefined)[]>;
}

/**
 * A read function for {@link provideDirectGet}: `read(key)` joins the batch of this turn.
 * `prefix` makes the stored key; `answer` turns a stored string (never null) into what the read
 * resolves.
 */
export function batchedGet(
  send: BatchSender,
  prefix: (key: string) => string,
  answer: (text: string) => unknown,
): (key: string) => Promise<unknown> {
  // The open batch, flat: key, resolve, reject of each read in turn. One array per batch (not
  // three, nor a record per read): a read alone, the common case one at a time, costs one.
  let open: unknown[] | undefined;
  const flush = (): void => {
    const batch = open!;
    open = undefined;
    if (batch.length === 3) {
      const resolve = batch[1] as (value: unknown) => void;
      send
        .one(batch[0] as string)
        .then(
          (text) => resolve(text === null || text === undefined ? undefined : answer(text)),
          batch[2] as (error: unknown) => void,
        );
      return;
    }
    const keys: string[] = [];
    for (let i = 0; i < batch.length; i += 3) keys.push(batch[i] as string);
    send.many(keys).then(
      (texts) => {
        for (let i = 0; i < keys.length; i++) {
          const text = texts[i];
          (batch[3 * i + 1] as (value: unknown) => void)(
            text === null || text === undefined ? undefined : answer(text),
          );
        }
      },
      (error: unknown) => {
        for (let i = 2; i < batch.length; i += 3) (batch[i] as (error: unknown) => void)(error);
      },
    );
  };
  return (key) =>
    new Promise((resolve, reject) => {
      if (open === undefined) {
        open = [];
        queueMicrotask(flush);
      }
      open.push(prefix(key), resolve, reject);
    });
}
