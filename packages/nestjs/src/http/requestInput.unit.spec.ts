// Raw-input checks: nesting depth on the text, storable strings with their paths.
import { describe, expect, it } from 'vitest';
import { badStringIn, jsonNestingExceeds, jsonTextMayHoldBadStrings } from './requestInput.js';

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

describe('jsonTextMayHoldBadStrings', () => {
  it('is true for every text whose parsed value badStringIn refuses (NUL and lone surrogates need an escape in JSON)', () => {
    for (const text of ['{"a":"x\\u0000"}', '{"b":"\\udfff"}', '{"k\\ud800":1}', '["\\uD83D"]']) {
      expect(badStringIn(JSON.parse(text))).toBeDefined();
      expect(jsonTextMayHoldBadStrings(text)).toBe(true);
    }
  });

  it('is false for plain text, so the walk is skipped, and true (walk kept) for any escape or surrogate pair', () => {
    expect(jsonTextMayHoldBadStrings('{"collateral":[{"asset":"ETH","amount":10}],"note":"é ü 中 \\n"}')).toBe(false);
    expect(jsonTextMayHoldBadStrings('{"e":"\\u00e9"}')).toBe(true);
    expect(jsonTextMayHoldBadStrings('{"emoji":"💩"}')).toBe(true);
    expect(badStringIn(JSON.parse('{"emoji":"💩","e":"\\u00e9"}'))).toBeUndefined();
  });
});
