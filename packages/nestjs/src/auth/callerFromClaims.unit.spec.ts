// Claims → caller: which claim wins, how roles and jurisdictions are read, and which malformed claims are refused.
import { describe, expect, it } from 'vitest';
import { LucentError } from '@lucent/core';
import { callerFromClaims } from './callerFromClaims.js';
import { resolveClaimNames } from './lucentAuth.js';

const defaults = resolveClaimNames(undefined);

function refusal(run: () => unknown): Record<string, unknown> | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof LucentError) return { code: error.code, ...error.details };
    throw error;
  }
  return undefined;
}

describe('callerFromClaims', () => {
  it('reads user, account, jurisdiction and roles under the default names', () => {
    expect(callerFromClaims({ sub: 'u1', account: 42, country: 'gb-sct', roles: 'trader ops,viewer' }, defaults)).toEqual({
      userId: 'u1',
      accountId: '42',
      jurisdiction: 'GB-SCT',
      roles: ['trader', 'ops', 'viewer'],
    });
  });

  it('prefers the first configured jurisdiction claim that is present', () => {
    const names = resolveClaimNames({ jurisdiction: ['https://lucent.dev/jurisdiction', 'country'], roles: 'perms' });
    const caller = callerFromClaims({ sub: 'u', 'https://lucent.dev/jurisdiction': 'DE', country: 'US', perms: ['a', 7, 'b'] }, names);
    expect(caller).toEqual({ userId: 'u', jurisdiction: 'DE', roles: ['a', 'b'] });
  });

  it('refuses a token without a user or with a malformed jurisdiction or account claim', () => {
    expect(refusal(() => callerFromClaims({ jurisdiction: 'DE' }, defaults))).toMatchObject({ code: 'UNAUTHORIZED', reason: 'no-subject' });
    expect(refusal(() => callerFromClaims({ sub: 'u', jurisdiction: ['US'] }, defaults))).toMatchObject({ reason: 'bad-claim', claim: 'jurisdiction' });
    expect(refusal(() => callerFromClaims({ sub: 'u', country: 'USA' }, defaults))).toMatchObject({ reason: 'bad-claim', claim: 'country' });
    expect(refusal(() => callerFromClaims({ sub: 'u', account: { id: 1 } }, defaults))).toMatchObject({ reason: 'bad-claim', claim: 'account' });
  });

  it('leaves out what the token does not say', () => {
    expect(callerFromClaims({ sub: 'u' }, defaults)).toEqual({ userId: 'u', roles: [] });
  });
});
