/**
 * How a single-item caller of `@batched` gets its slice without a closure of its own: its
 * promise is `gate.then(picker(index))`, where `picker(index)` is a function shared by every
 * batch that turns a checked batch result into `[result[index]]` (or throws the element when
 * it is an `Error`).
 */

/**
 * Positions whose pickers are made once and shared by every `@batched` method (about 100 bytes
 * each, made on first use, so memory follows the largest batch seen: 100 KB for batches of
 * 1 000, at most about 6.5 MB). Beyond it a caller gets a picker of its own.
 */
const SHARED_PICKERS = 65_536;
const pickers: ((result: unknown) => unknown)[] = [];

/** Marks a written item of a write-behind batch whose other items could not all be keyed. */
export const WRITTEN = Symbol('written');

function makePicker(index: number): (result: unknown) => unknown {
  return (result) => {
    // `undefined`: a write-behind batch; the contract was checked before the gate opened.
    if (result === undefined) return undefined;
    const value = (result as unknown[])[index];
    if (value instanceof Error) throw value;
    return value === WRITTEN ? undefined : [value];
  };
}

/** The function that turns a checked batch result into the slice of the caller at `index`. */
export function picker(index: number): (result: unknown) => unknown {
  if (index >= SHARED_PICKERS) return makePicker(index);
  return (pickers[index] ??= makePicker(index));
}
