// Contract safety and rule checks: what a registry write may and may not change.
import { describe, expect, it } from 'vitest';
import { checkRulesChange } from './checkRulesChange.js';
import { activateVersion, initialRules, registerVersion, setShadow, setWeights } from './ruleChanges.js';

const who = { who: 'ops', why: 'test' };
const same = { input: 'sha256:i', output: 'sha256:o' };
const base = registerVersion(
  registerVersion(initialRules('f', { version: '1', fingerprint: same }), { version: '2', fingerprint: same }),
  { version: '3', fingerprint: { input: 'sha256:i', output: 'sha256:o2' } },
);

describe('checkRulesChange', () => {
  it('lets a version with identical fingerprints be activated or weighted', () => {
    expect(() => checkRulesChange('f', base, activateVersion(base, '2'), who)).not.toThrow();
    expect(() => checkRulesChange('f', base, setWeights(base, { '2': 40 }), who)).not.toThrow();
  });

  it('refuses a changed contract with CONTRACT_INCOMPATIBLE naming the part that differs, unless forced', () => {
    expect(() => checkRulesChange('f', base, activateVersion(base, '3'), who)).toThrow(
      expect.objectContaining({ code: 'CONTRACT_INCOMPATIBLE', details: expect.objectContaining({ reason: 'output contract differs' }) }),
    );
    expect(() => checkRulesChange('f', base, setWeights(base, { '3': 1 }), who)).toThrow(expect.objectContaining({ code: 'CONTRACT_INCOMPATIBLE' }));
    expect(() => checkRulesChange('f', base, activateVersion(base, '3'), { ...who, force: true })).not.toThrow();
  });

  it('allows an incompatible shadow, since its output is never returned', () => {
    expect(() => checkRulesChange('f', base, setShadow(base, '3'), who)).not.toThrow();
  });

  it('refuses re-registering a version with other contracts, weights over 100% and unknown versions', () => {
    const changed = { ...base, versions: { ...base.versions, '2': { version: '2', fingerprint: { input: 'x', output: 'y' } } } };
    expect(() => checkRulesChange('f', base, changed, { ...who, force: true })).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(() => checkRulesChange('f', base, { ...base, weights: { '2': 60, '3': 50 } }, { ...who, force: true })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    expect(() => checkRulesChange('f', base, { ...base, shadow: '9' }, who)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
