// Verifies a bearer JWT with a key from the admin module's key resolution and returns its claims, or a typed 401.
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { LucentError } from '@lucent/core';
import type { AdminAuthOptions, resolveVerifyKey } from '../admin/adminAuth.js';

/** A resolved verification key and its accepted algorithms (resolved once, at start-up). */
export type BearerKey = ReturnType<typeof resolveVerifyKey>;

export type BearerVerifyOptions = Pick<AdminAuthOptions, 'issuer' | 'audience' | 'clockToleranceSec'>;

const bearerPattern = /^Bearer\s+(\S+)$/i;

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
  try {
    const { payload } = await jwtVerify(match[1]!, key.key, {
      algorithms: key.algorithms,
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      clockTolerance: options.clockToleranceSec ?? 5,
    });
    return payload;
  } catch (error) {
    const reason = error instanceof joseErrors.JWTExpired ? 'expired' : error instanceof joseErrors.JOSEError ? error.code : 'invalid';
    throw new LucentError('UNAUTHORIZED', 'The bearer token is not valid', { reason });
  }
}
