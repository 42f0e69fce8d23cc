// Turns a verified token's claims into the caller Lucent knows: user, account, jurisdiction and roles.
import type { JWTPayload } from 'jose';
import { LucentError, normaliseJurisdiction } from '@lucent/core';
import type { ResolvedClaimNames } from './lucentAuth.js';

/** Who is calling, as the verified token says; never read from a header the client sets. */
export interface LucentCaller {
  readonly userId: string;
  readonly accountId?: string;
  /** ISO 3166 code in upper case ('US', 'DE', 'GB-SCT'), as the registry's jurisdiction rules use. */
  readonly jurisdiction?: string;
  readonly roles: readonly string[];
}

// The same shape the admin API accepts in jurisdiction rules, so a claim can match a rule.
const jurisdictionPattern = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;

function badClaim(claim: string, message: string): LucentError {
  return new LucentError('UNAUTHORIZED', `The bearer token's ${claim} claim ${message}`, { reason: 'bad-claim', claim });
}

/** A roles claim's roles: a space- or comma-separated string, or an array (non-strings dropped). */
export function rolesOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((r): r is string => typeof r === 'string');
  return [];
}

/**
 * A malformed jurisdiction claim is refused rather than dropped: a call with no jurisdiction
 * passes a deny list, so dropping it would let a denied country through.
 */
export function callerFromClaims(payload: JWTPayload, names: ResolvedClaimNames): LucentCaller {
  const userId = payload[names.userId];
  if (typeof userId !== 'string' || userId === '') {
    throw new LucentError('UNAUTHORIZED', `The bearer token names no user (claim ${names.userId})`, {
      reason: 'no-subject',
      claim: names.userId,
    });
  }
  const account = payload[names.accountId];
  if (account !== undefined && typeof account !== 'string' && typeof account !== 'number') {
    throw badClaim(names.accountId, 'must be a string');
  }
  let jurisdiction: string | undefined;
  for (const claim of names.jurisdiction) {
    const value = payload[claim];
    if (value === undefined) continue;
    const code = typeof value === 'string' ? normaliseJurisdiction(value) : undefined;
    if (code === undefined || !jurisdictionPattern.test(code)) throw badClaim(claim, 'must be an ISO 3166 code such as "US" or "DE"');
    jurisdiction = code;
    break;
  }
  const caller: { -readonly [K in keyof LucentCaller]: LucentCaller[K] } = { userId, roles: rolesOf(payload[names.roles]) };
  if (account !== undefined && account !== '') caller.accountId = String(account);
  if (jurisdiction !== undefined) caller.jurisdiction = jurisdiction;
  return caller;
}
