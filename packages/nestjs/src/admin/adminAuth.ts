// Verifies an admin bearer token with jose: signature, expiry and the admin role claim; identity comes only from it.
import { LucentError } from '@lucent/core';
import { verifyBearerToken } from '../auth/bearerToken.js';
import { rolesOf } from '../auth/callerFromClaims.js';
import { resolveVerifyKey, type TokenVerifyOptions, type VerifyKey } from '../auth/verifyKey.js';

export { resolveVerifyKey } from '../auth/verifyKey.js';

/** The admin endpoints' token settings: how tokens are verified, and the role they must carry. */
export interface AdminAuthOptions extends TokenVerifyOptions {
  /** Claim holding the caller's roles, a string or an array (default `roles`). */
  readonly roleClaim?: string;
  /** Role that may use the admin endpoints (default `admin`). */
  readonly adminRole?: string;
}

/** Who called, as the verified token says. */
export interface AdminIdentity {
  readonly subject: string;
  readonly roles: readonly string[];
}

/**
 * The admin behind an `Authorization` header, or a typed refusal: UNAUTHORIZED (401) without a
 * valid token, FORBIDDEN (403) when the verified token lacks the admin role.
 */
export async function verifyAdminToken(
  authorization: string | undefined,
  options: AdminAuthOptions,
  key: VerifyKey = resolveVerifyKey(options),
): Promise<AdminIdentity> {
  const payload = await verifyBearerToken(authorization, options, key);
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw new LucentError('UNAUTHORIZED', 'The bearer token names no subject', { reason: 'no-subject' });
  }
  const roles = rolesOf(payload[options.roleClaim ?? 'roles']);
  const adminRole = options.adminRole ?? 'admin';
  if (!roles.includes(adminRole)) {
    throw new LucentError('FORBIDDEN', `The ${adminRole} role is required for registry administration`, { required: adminRole });
  }
  return { subject: payload.sub, roles };
}
