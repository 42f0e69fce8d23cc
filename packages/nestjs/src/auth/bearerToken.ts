// Verifies a bearer JWT with a key resolved by verifyKey.ts and returns its claims, or a typed 401.
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { LucentError } from '@lucent/core';
import { VerifiedTokens } from './verifiedTokens.js';
import type { TokenVerifyOptions, VerifyKey } from './verifyKey.js';

/** A resolved verification key and its accepted algorithms (resolved once, at start-up). */
export type BearerKey = VerifyKey;

export type BearerVerifyOptions = Pick<TokenVerifyOptions, 'issuer' | 'audience' | 'clockToleranceSec' | 'maxTokenLifetimeSec'>;

/** A token may live a day at most unless configured otherwise. */
const defaultMaxLifetimeSec = 86_400;

function refused(reason: string, message = 'The bearer token is not valid'): LucentError {
  return new LucentError('UNAUTHORIZED', message, { reason });
}

/**
 * What jose leaves to the application: `exp` is required (a token without it would never
 * expire), its lifetime is capped, and an `iat` from the future is refused with the same skew.
 */
function checkLifetime(payload: JWTPayload, options: BearerVerifyOptions, nowSec: number): void {
  const skew = options.clockToleranceSec ?? 5;
  const max = options.maxTokenLifetimeSec ?? defaultMaxLifetimeSec;
  if (payload.iat !== undefined && payload.iat > nowSec + skew) throw refused('issued-in-future', 'The bearer token is issued in the future');
  const exp = payload.exp as number;
  const from = payload.iat ?? nowSec;
  if (exp - from > max + skew || exp - nowSec > max + skew) {
    throw refused('lifetime-too-long', `The bearer token lives longer than the allowed ${max} s`);
  }
}

const bearerPattern = /^Bearer\s+(\S+)$/i;

/**
 * Tokens verified under each key. jose checks an HS256 signature through WebCrypto, about 0.25 ms
 * of a gateway's CPU per request with the key import (examples' gateway profile: a sixth of the
 * process's busy time at 600 calls/s); a client's next request with the same token skips it.
 */
const verifiedByKey = new WeakMap<BearerKey, VerifiedTokens>();

/**
 * The verified claims behind an `Authorization: Bearer …` header. Signature, algorithm, expiry,
 * not-before, issuer and audience are checked; any failure is UNAUTHORIZED with a reason.
 */
export async function verifyBearerToken(
  authorization: string | undefined,
  options: BearerVerifyOptions,
  key: BearerKey,
): Promise<JWTPayload> {
  const match = bearerPattern.exec(authorization ?? '');
  if (!match) throw new LucentError('UNAUTHORIZED', 'A bearer token is required', { reason: 'missing-token' });
  const token = match[1]!;
  const nowSec = Math.floor(Date.now() / 1000);
  let verified = verifiedByKey.get(key);
  const known = verified?.get(token, options, nowSec, options.clockToleranceSec ?? 5);
  if (known !== undefined) return known;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key.key, {
      algorithms: key.algorithms,
      requiredClaims: ['exp'],
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      clockTolerance: options.clockToleranceSec ?? 5,
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'exp' && error.reason === 'missing') {
      throw refused('missing-exp', 'The bearer token has no exp claim');
    }
    const reason = error instanceof joseErrors.JWTExpired ? 'expired' : error instanceof joseErrors.JOSEError ? error.code : 'invalid';
    throw refused(reason);
  }
  checkLifetime(payload, options, nowSec);
  // Not-before in the future passed jose only within the skew; such a token is verified again next time.
  if (payload.nbf === undefined || payload.nbf <= nowSec) {
    if (verified === undefined) verifiedByKey.set(key, (verified = new VerifiedTokens()));
    verified.set(token, options, payload);
  }
  return payload;
}
