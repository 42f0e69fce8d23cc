// A rollback restores the version that was active before the current one, as the history records it.
import { describe, expect, it } from 'vitest';
import type { FunctionRules, RulesChangeRecord } from './functionRules.js';
import { activateVersion, initialRules, registerVersion, setEnabled } from './ruleChanges.js';
import { rollbackTarget } from './rollbackTarget.js';

const v = (version: string) => ({ version, fingerprint: { input: 'sha256:i', output: 'sha256:o' } });
const record = (revision: number, old: FunctionRules | null, next: FunctionRules): RulesChangeRecord => ({
  name: 'f',
  revision,
  who: 'test',
  why: 'test',
  forced: false,
  at: revision,
  old,
  new: next,
});

describe('rollbackTarget', () => {
  const r1 = initialRules('f', v('1.0.0'));
  const r2 = registerVersion(r1, v('2.0.0'));
  const r3 = activateVersion(r2, '2.0.0');
  const r4 = setEnabled(r3, false);
  const r5 = setEnabled(r4, true);
  const history = [record(1, null, r1), record(2, r1, r2), record(3, r2, r3), record(4, r3, r4), record(5, r4, r5)];

  it('names the version active before the current one, skipping changes that did not touch the active version', () => {
    expect(rollbackTarget(r5, history)).toBe('1.0.0');
    expect(rollbackTarget(r5, [...history].reverse())).toBe('1.0.0');
  });

  it('after a rollback, rolls forward again (the previous active is the one rolled back from)', () => {
    const r6 = activateVersion(r5, '1.0.0');
    expect(rollbackTarget(r6, [...history, record(6, r5, r6)])).toBe('2.0.0');
  });

  it('takes an explicit registered version, and refuses an unknown one, the active one, or no earlier version', () => {
    expect(rollbackTarget(r5, [], '1.0.0')).toBe('1.0.0');
    expect(() => rollbackTarget(r5, [], '9.0.0')).toThrow(expect.objectContaining({ code: 'FUNCTION_NOT_FOUND' }));
    expect(() => rollbackTarget(r5, [], '2.0.0')).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(() => rollbackTarget(r2, history.slice(0, 2))).toThrow(/--to VERSION/);
  });
});
