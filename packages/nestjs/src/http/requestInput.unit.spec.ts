// Raw-input checks: nesting depth on the text, storable strings with their paths.
import { describe, expect, it } from 'vitest';
import { badStringIn, jsonNestingExceeds } from './requestInput.js';

describe('jsonNestingExceeds', () => {
  it('counts arrays and objects, not brackets inside strings or escaped quotes', () => {
    expect(jsonNestingExceeds('[[[]]]', 3)).toBe(false);
    expect(jsonNestingExceeds('[[[[]]]]', 3)).toBe(true);
    expect(jsonNestingExceeds('{"a":"[[[[[[[[","b":"\\"[[[[["}', 1)).toBe(false);
    expect(jsonNestingExceeds('{"a":{"b":{"c":1}}}', 2)).toBe(true);
  });
});

describe('badStringIn', () => {
  it('finds NUL and lone surrogates in values and keys, with the dotted path', () => {
    expect(badStringIn({ a: [{ b: 'x\u0000' }] })).toMatchObject({ path: 'a.0.b' });
    expect(badStringIn({ a: 'ok', b: '\udfff' })).toMatchObject({ path: 'b', message: expect.stringContaining('surrogate') });
    expect(badStringIn({ ['k\ud800']: 1 })?.message).toContain('key');
    expect(badStringIn('\u0000', 'params')).toMatchObject({ path: 'params' });
  });

  it('accepts well-formed text, pairs of surrogates included', () => {
    expect(badStringIn({ emoji: '💩', text: 'é ü 中', nested: [[['fine']]] })).toBeUndefined();
  });
});
