/**
 * The names `@cached` gives its records in a shared tier, built in one place so that every
 * writer and reader (method caches, invalidation without a cached method) agrees:
 *
 * - entry:      `hotpath:<namespace>[@<version>]#<generation>:<key>`
 * - generation: `hotpath:<namespace>[@<version>]:gen`
 * - lock:       `hotpath:lock:<namespace>[@<version>]:<key>`
 * - tag time:   `hotpath:tag:<tag>` (see tag-book.ts)
 *
 * `@`, `#` and `:` separate the parts, so a namespace or version holding one of them would let
 * two methods name the same record (namespace `'Orders.total@2'` against namespace
 * `'Orders.total'` with version 2). They are percent-escaped in both, and so is `%` itself
 * (else `'a%40'` would equal `'a@'`); names without these characters keep their readable form.
 * A namespace spelled `tag` gets its first letter escaped too: its generation record would be
 * the time of the tag `gen`.
 */

/** Escapes the separators (and `%`) of one part of a shared key. */
function escapePart(part: string): string {
  return part.replace(/[%@#:]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `hotpath:<namespace>[@<version>]`, the start of every record of one cached method. */
export function sharedPrefix(namespace: string, version: string): string {
  const ns = namespace === 'tag' ? '%74ag' : escapePart(namespace);
  return `hotpath:${ns}${version === '' ? '' : `@${escapePart(version)}`}`;
}
