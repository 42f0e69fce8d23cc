// Version selection: kill switch, jurisdiction, sticky monotone weights, separate variant seed, shadow.
import { describe, expect, it } from 'vitest';
import { activateVersion, initialRules, registerVersion, setEnabled, setJurisdictions, setShadow, setWeights } from './ruleChanges.js';
import { selectVersion, type VersionSelection } from './selectVersion.js';
import type { FunctionRules } from './functionRules.js';

const fp = { input: 'sha256:i', output: 'sha256:o' };
const base: FunctionRules = ['1.1.0', '1.2.0'].reduce(
  (r, version) => registerVersion(r, { version, fingerprint: fp }),
  initialRules('quotes.price', { version: '1.0.0', fingerprint: fp }),
);
const keys = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
const versionOf = (s: VersionSelection): string => ('version' in s ? s.version : s.denied);
const onVersion = (rules: FunctionRules, v: string): Set<string> =>
  new Set(keys.filter((k) => versionOf(selectVersion(rules, { userId: k })) === v));

describe('selectVersion', () => {
  it('refuses every call to a disabled function, whatever the caller', () => {
    expect(selectVersion(setEnabled(base, false), { userId: 'u1', jurisdiction: 'DE' })).toMatchObject({ denied: 'FUNCTION_DISABLED' });
  });

  it('applies deny before allow and refuses a missing jurisdiction when an allow list exists', () => {
    const r = setJurisdictions(base, { allow: ['DE', 'FR'], deny: ['FR'] });
    expect(selectVersion(r, { jurisdiction: 'DE' })).toEqual({ version: '1.0.0' });
    expect(selectVersion(r, { jurisdiction: 'FR' })).toMatchObject({ denied: 'JURISDICTION_DENIED' });
    expect(selectVersion(r, { jurisdiction: 'US' })).toMatchObject({ denied: 'JURISDICTION_DENIED' });
    expect(selectVersion(r, {})).toMatchObject({ denied: 'JURISDICTION_DENIED' });
    expect(selectVersion(setJurisdictions(base, { deny: ['US'] }), {})).toEqual({ version: '1.0.0' });
  });

  it('puts 9-11% of 10,000 keys on a version weighted 10%, and keeps every one of them at 30%', () => {
    const at10 = onVersion(setWeights(base, { '1.1.0': 10 }), '1.1.0');
    expect(at10.size).toBeGreaterThanOrEqual(900);
    expect(at10.size).toBeLessThanOrEqual(1_100);
    const at30 = onVersion(setWeights(base, { '1.1.0': 30 }), '1.1.0');
    expect(at30.size).toBeGreaterThanOrEqual(2_800);
    expect(at30.size).toBeLessThanOrEqual(3_200);
    expect([...at10].filter((k) => !at30.has(k))).toEqual([]);
  });

  it('gives the same key the same version every time, and calls without a key the active version', () => {
    const r = setWeights(base, { '1.1.0': 50 });
    for (const k of keys.slice(0, 200)) expect(selectVersion(r, { userId: k })).toEqual(selectVersion(r, { userId: k }));
    expect(selectVersion(r, {})).toEqual({ version: '1.0.0' });
    expect(selectVersion(r, { accountId: 'acct-1' })).toEqual(selectVersion(r, { userId: 'acct-1' }));
  });

  it('splits keys inside the rollout across variants by their weights, with a seed of its own', () => {
    const r = setWeights(base, { '1.1.0': 20, '1.2.0': 20 });
    const a = onVersion(r, '1.1.0').size;
    const b = onVersion(r, '1.2.0').size;
    expect(a + b).toBeGreaterThanOrEqual(3_700);
    expect(a + b).toBeLessThanOrEqual(4_300);
    expect(Math.abs(a - b)).toBeLessThan(400);
    const rolledOut = (rules: FunctionRules): Set<string> => new Set(keys.filter((k) => versionOf(selectVersion(rules, { userId: k })) !== '1.0.0'));
    const reseeded = { ...r, rollout: { ...r.rollout, variantSeed: r.rollout.variantSeed + 1 } };
    expect(rolledOut(reseeded)).toEqual(rolledOut(r));
    expect(onVersion(reseeded, '1.1.0')).not.toEqual(onVersion(r, '1.1.0'));
  });

  it('names the shadow beside the live version, except when the shadow is the live version', () => {
    const r = setShadow(setWeights(base, { '1.1.0': 100 }), '1.2.0');
    expect(selectVersion(r, { userId: 'u' })).toEqual({ version: '1.1.0', shadow: '1.2.0' });
    expect(selectVersion(setShadow(base, '1.0.0'), { userId: 'u' })).toEqual({ version: '1.0.0' });
    expect(selectVersion(activateVersion(r, '1.2.0'), {})).toEqual({ version: '1.2.0' });
  });
});
