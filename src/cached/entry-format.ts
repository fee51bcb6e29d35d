/**
 * The form of an entry in a shared tier: `[value, created, expires, staleUntil, tags?,
 * version?]`, through the codec (codec.ts) so that values keyv's JSON would mangle (`Date`,
 * `Map`, `BigInt`, ...) come back as they were. `tags` is `null` when a version follows and
 * the entry has none. Anything else read from a tier is not a hotpath entry: decoding throws,
 * and the reader reports it and counts a miss.
 */
import { decode, encode } from './codec.js';
import type { Entry } from './memory-tier.js';

/** An entry as read back from a shared tier. */
export interface EntryParts {
  value: unknown;
  created: number;
  expires: number;
  staleUntil: number;
  tags: readonly string[] | undefined;
  /** The `version` option of the method that wrote it (`''` for none). */
  version: string;
}

/** The shared form of `entry`, written by a method whose `version` option is `version`. */
export function encodeEntry(entry: Entry, version: string): string {
  const parts: unknown[] = [entry.value, entry.created, entry.expires, entry.staleUntil];
  if (entry.tags || version !== '') parts.push(entry.tags ?? null);
  if (version !== '') parts.push(version);
  return encode(parts);
}

/** The parts of a stored entry; throws a `TypeError` when `raw` is not one. */
export function decodeEntry(raw: unknown): EntryParts {
  if (typeof raw !== 'string') throw new TypeError(`expected a string, got ${typeof raw}`);
  const parts = decode(raw);
  if (
    !Array.isArray(parts) ||
    parts.length < 4 ||
    typeof parts[1] !== 'number' ||
    typeof parts[2] !== 'number' ||
    typeof parts[3] !== 'number'
  ) {
    throw new TypeError('not a hotpath cache entry');
  }
  const tags = (parts[4] ?? undefined) as unknown;
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) {
    throw new TypeError('not a hotpath cache entry (bad tags)');
  }
  const version = (parts[5] ?? '') as unknown;
  if (typeof version !== 'string') throw new TypeError('not a hotpath cache entry (bad version)');
  return {
    value: parts[0],
    created: parts[1],
    expires: parts[2],
    staleUntil: parts[3],
    tags: tags as string[] | undefined,
    version,
  };
}
