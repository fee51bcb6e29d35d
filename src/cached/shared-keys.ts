/**
 * The names `@cached` gives its records in a shared tier, built in one place so that every
 * writer and reader (method caches, invalidation from a process that never ran the method)
 * agrees:
 *
 * - entry:          `hotpath:<namespace>#<key>`. The `version` option is stored inside the
 *   entry, not in its key: an entry of another version is a miss, and an invalidation of one
 *   key reaches every version without knowing them;
 * - namespace mark: `hotpath:ns:<namespace>` (`clear()`, `registry.invalidate({ namespace })`);
 * - tag mark:       `hotpath:tag:<tag>`;
 * - store mark:     `hotpath:all` (written when more invalidations were undelivered than a
 *   process keeps);
 * - lock:           `hotpath:lock:<namespace>[@<version>]:<key>`.
 *
 * A mark holds the time of the last invalidation of what it names (see invalidation-book.ts).
 *
 * `@`, `#` and `:` separate the parts, so a namespace or version holding one of them would let
 * two methods name the same record (namespace `'a#b'` with key `c` against namespace `'a'` with
 * key `b#c`). They are percent-escaped in both, and so is `%` itself (else `'a%40'` would equal
 * `'a@'`); names without these characters keep their readable form. An entry key has `#` right
 * after its namespace, a mark or lock key `:`, so no namespace (`tag`, `ns`, `lock`, `all`)
 * can name a mark or a lock.
 */

/** Escapes the separators (and `%`) of one part of a shared key. */
function escapePart(part: string): string {
  return part.replace(/[%@#:]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The shared-tier key of entry `key` of namespace `namespace`. */
export function entryKey(namespace: string, key: string): string {
  return `hotpath:${escapePart(namespace)}#${key}`;
}

/** The distributed lock's key for entry `key` of a method (its version included). */
export function lockKey(namespace: string, version: string, key: string): string {
  const v = version === '' ? '' : `@${escapePart(version)}`;
  return `hotpath:lock:${escapePart(namespace)}${v}:${key}`;
}

/** The mark of tag `tag`. */
export function tagMark(tag: string): string {
  return `hotpath:tag:${tag}`;
}

/** The mark of namespace `namespace`. */
export function namespaceMark(namespace: string): string {
  return `hotpath:ns:${escapePart(namespace)}`;
}

/** The mark of the whole store. */
export const STORE_MARK = 'hotpath:all';

/**
 * Expiry of a tag mark: 31 days, so one key per tag ever used does not pile up. A mark that
 * expired reads as missing, which invalidates the entries it concerned (see
 * invalidation-book.ts): an expiry costs one recomputation, never a stale value. Namespace and
 * store marks are few and never expire.
 */
const TAG_MARK_TTL_MS = 31 * 24 * 3_600_000;

/** The expiry to write a mark with (`undefined`: none). */
export function markTtl(mark: string): number | undefined {
  return mark.startsWith('hotpath:tag:') ? TAG_MARK_TTL_MS : undefined;
}
