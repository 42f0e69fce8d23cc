// Jurisdiction rules: one decision for metadata and registry rules, codes compared trimmed and upper-cased.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction } from '../functions/defineFunction.js';
import { jurisdictionAllowed, normaliseJurisdiction, normaliseJurisdictionRules } from './jurisdictions.js';
import { initialRules, setJurisdictions } from './ruleChanges.js';
import { selectVersion } from './selectVersion.js';

const fp = { input: 'sha256:i', output: 'sha256:o' };
const rules = initialRules('quotes.price', { version: '1.0.0', fingerprint: fp });

describe('jurisdictionAllowed', () => {
  it('lets everyone call when there are no rules or the allow list is empty', () => {
    expect(jurisdictionAllowed(undefined, 'US')).toBe(true);
    expect(jurisdictionAllowed({ allow: [] }, 'US')).toBe(true);
    expect(jurisdictionAllowed({ allow: [] }, undefined)).toBe(true);
    expect(jurisdictionAllowed({ allow: [], deny: ['FR'] }, 'FR')).toBe(false);
  });

  it('admits only listed codes under a non-empty allow list, and no caller without a jurisdiction', () => {
    expect(jurisdictionAllowed({ allow: ['DE'] }, 'DE')).toBe(true);
    expect(jurisdictionAllowed({ allow: ['DE'] }, 'FR')).toBe(false);
    expect(jurisdictionAllowed({ allow: ['DE'] }, undefined)).toBe(false);
  });

  it('lets deny win over allow', () => {
    expect(jurisdictionAllowed({ allow: ['US'], deny: ['US'] }, 'US')).toBe(false);
  });

  it('compares codes trimmed and upper-cased, on the caller side and on the rules side', () => {
    expect(jurisdictionAllowed({ deny: ['US'] }, ' us ')).toBe(false);
    expect(jurisdictionAllowed({ deny: [' us'] }, 'US')).toBe(false);
    expect(jurisdictionAllowed({ allow: ['de'] }, 'De')).toBe(true);
    expect(jurisdictionAllowed({ allow: ['DE'] }, '  ')).toBe(false);
  });
});

describe('normalised codes on every write path', () => {
  it('normalises a code, and treats a blank one as none', () => {
    expect(normaliseJurisdiction(' gb-sct ')).toBe('GB-SCT');
    expect(normaliseJurisdiction(' ')).toBeUndefined();
  });

  it('stores registry rules normalised, without blanks or duplicates', () => {
    expect(setJurisdictions(rules, { allow: ['us', ' DE', 'US', ''], deny: ['fr'] }).jurisdictions).toEqual({
      allow: ['US', 'DE'],
      deny: ['FR'],
    });
    expect(normaliseJurisdictionRules({})).toEqual({});
  });

  it('stores a function definition\'s rules normalised', () => {
    const fn = defineFunction(
      { name: 'geo.fenced', version: '1.0.0', input: z.object({}), output: z.object({}), jurisdictions: { deny: ['us '] } },
      () => ({}),
    );
    expect(fn.meta.jurisdictions).toEqual({ deny: ['US'] });
  });

  it('gives selectVersion the same answer as the rules check, for every case above', () => {
    const cases: [{ allow?: string[]; deny?: string[] }, string | undefined][] = [
      [{ allow: [] }, 'US'],
      [{ allow: [] }, undefined],
      [{ allow: ['DE'] }, undefined],
      [{ allow: ['de'] }, ' DE'],
      [{ deny: ['US'] }, 'us'],
      [{ allow: ['US'], deny: ['US'] }, 'US'],
    ];
    for (const [j, caller] of cases) {
      const selected = selectVersion({ ...rules, jurisdictions: j }, { jurisdiction: caller });
      expect('version' in selected, JSON.stringify([j, caller])).toBe(jurisdictionAllowed(j, caller));
    }
  });
});
