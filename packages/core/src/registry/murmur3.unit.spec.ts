// murmur3 x86_32 matches the published test vectors, so buckets agree with any other implementation.
import { describe, expect, it } from 'vitest';
import { murmur3, murmur3Bytes } from './murmur3.js';

describe('murmur3 x86_32', () => {
  it.each([
    [[], 0, 0],
    [[], 1, 0x514e28b7],
    [[], 0xffffffff, 0x81f16f39],
    [[0xff, 0xff, 0xff, 0xff], 0, 0x76293b50],
    [[0x21, 0x43, 0x65, 0x87], 0, 0xf55b516b],
    [[0x21, 0x43, 0x65, 0x87], 0x5082edee, 0x2362f9de],
    [[0x21, 0x43, 0x65], 0, 0x7e4a8634],
    [[0x21, 0x43], 0, 0xa0f7b07a],
    [[0x21], 0, 0x72661cf4],
    [[0, 0, 0, 0], 0, 0x2362f9de],
    [[0, 0, 0], 0, 0x85f0b427],
    [[0, 0], 0, 0x30f4c306],
    [[0], 0, 0x514e28b7],
  ])('bytes %j with seed %i hash to %i', (bytes, seed, expected) => {
    expect(murmur3Bytes(Uint8Array.from(bytes), seed)).toBe(expected);
  });

  it.each([
    ['Hello, world!', 1234, 0xfaf6cdb3],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['abc', 0, 0xb3dd93fa],
  ])('string %j with seed %i hashes its UTF-8 bytes to %i', (text, seed, expected) => {
    expect(murmur3(text, seed)).toBe(expected);
  });
});
