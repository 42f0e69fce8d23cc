// Reading a call someone else wrote: spelled-out headers are accepted, and every missing or malformed field is named.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@lucent/core';
import { decodeCall } from './decodeCall.js';

const issuesOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((i) => i.path);
  }
  throw new Error('expected a ValidationError');
};

describe('decodeCall', () => {
  it('reads the spelled-out headers a hand-made call sends', () => {
    const headers = {
      'lucent-function': 'risk.healthFactor',
      'lucent-deadline': '1700000005000',
      'lucent-correlation-id': 'raw-1',
      'lucent-now': '1700000000000',
    };
    expect(decodeCall(headers, '{"debtUsd":1}')).toEqual({
      name: 'risk.healthFactor',
      input: { debtUsd: 1 },
      deadline: 1_700_000_005_000,
      correlationId: 'raw-1',
      attempt: 1,
      now: 1_700_000_000_000,
    });
  });

  it('names a packed line that does not hold its five fields', () => {
    expect(issuesOf(() => decodeCall({ 'lucent-call': 'risk.healthFactor  2 - id' }, '{}'))).toContain('lucent-call');
  });

  it('names each missing or malformed field of a hand-made message', () => {
    const headers = { 'lucent-deadline': 'soon', 'lucent-attempt': '0', 'lucent-business': '[1]' };
    expect(issuesOf(() => decodeCall(headers, Buffer.from('{not json')))).toEqual([
      'lucent-function',
      'lucent-deadline',
      'lucent-correlation-id',
      'lucent-attempt',
      'lucent-business',
      'body',
    ]);
  });

  it('refuses a message with no headers at all', () => {
    expect(issuesOf(() => decodeCall(undefined, '{}'))).toEqual(['headers']);
  });
});
