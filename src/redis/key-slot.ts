/**
 * The Redis Cluster hash slot of a key (CRC16/XMODEM of the key, or of its `{hash tag}`, modulo
 * 16384), as the cluster computes it: `redisStore` checks, before sending a command, that the
 * master serving the key's slot is connected; `RedisBus` subscribes to its sharded channel on
 * the master of the channel's slot. node-redis has the same function in a package of
 * its own (`cluster-key-slot`) that hotpath does not depend on; this one is a dozen lines.
 */

/** CRC16/XMODEM (polynomial 0x1021), one entry per byte value. */
const TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
  return crc & 0xffff;
});

/** The slot (0..16383) of `key`, hashing only what is inside its first non-empty `{...}` if any. */
export function keySlot(key: string): number {
  let bytes = Buffer.from(key);
  const open = bytes.indexOf(0x7b); // '{'
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1); // '}'
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc & 0x3fff;
}
