/**
 * `keySlot`: the Redis Cluster slot of a key, as Redis computes it (the values below are what
 * `CLUSTER KEYSLOT` answers on Redis 7.0).
 */
import { describe, expect, it } from '@jest/globals';
import { keySlot } from '../../src/redis/key-slot.js';

describe('keySlot', () => {
  it('is CRC16/XMODEM modulo 16384', () => {
    // 0x31C3 is CRC16/XMODEM's check value of '123456789'.
    expect(keySlot('123456789')).toBe(0x31c3 & 0x3fff);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('bar')).toBe(5061);
    expect(keySlot('')).toBe(0);
  });

  it('hashes only the first non-empty hash tag', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('{user1000}.followers')).toBe(keySlot('user1000'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
    // `{}` is empty: the whole key is hashed (not 'bar', which the package node-redis uses for
    // slots, cluster-key-slot, would pick).
    expect(keySlot('foo{}{bar}')).toBe(8363);
    expect(keySlot('a{b')).not.toBe(keySlot('b'));
  });

  it('hashes the UTF-8 bytes of the key', () => {
    expect(keySlot('é')).toBe(10180);
    expect(keySlot('😀')).toBe(2959);
    expect(keySlot('x{é}y')).toBe(10180);
  });
});
