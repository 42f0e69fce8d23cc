// Verifies an admin bearer token with jose: signature, expiry and the admin role claim; identity comes only from it.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { LucentError } from '@lucent/core';
import { verifyBearerToken } from '../auth/bearerToken.js';
import { rolesOf } from '../auth/callerFromClaims.js';

export interface AdminAuthOptions {
  /** Shared secret for HS256 tokens. Give this or `publicKey`. */
  readonly secret?: string;
  /** PEM public key (SPKI) or KeyObject for RS256 / ES256 / EdDSA tokens. */
  readonly publicKey?: string | KeyObject;
  /** Accepted algorithms; derived from the key when omitted (HS256, RS256, ES256 or EdDSA). */
  readonly algorithms?: readonly string[];
  readonly issuer?: string;
  readonly audience?: string;
  /** Claim holding the caller's roles, a string or an array (default `roles`). */
  readonly roleClaim?: string;
  /** Role that may use the admin endpoints (default `admin`). */
  readonly adminRole?: string;
  /** Seconds of clock skew tolerated on exp, nbf and iat (default 5). */
  readonly clockToleranceSec?: number;
  /** Longest accepted token lifetime in seconds, from iat (or now) to exp (default 86,400: one day). `exp` is always required. */
  readonly maxTokenLifetimeSec?: number;
}

/** Who called, as the verified token says. */
export interface AdminIdentity {
  readonly subject: string;
  readonly roles: readonly string[];
}

interface VerifyKey {
  readonly key: Uint8Array | KeyObject;
  readonly algorithms: string[];
}

function algorithmsFor(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256'];
    case 'ec':
      return ['ES256'];
    case 'ed25519':
      return ['EdDSA'];
    default:
      throw new TypeError(`Unsupported admin token key type ${key.asymmetricKeyType ?? key.type}`);
  }
}

/** `who` names the configuration in its errors (LucentModule's `auth` resolves its key here too). */
export function resolveVerifyKey(options: AdminAuthOptions, who = 'Admin auth'): VerifyKey {
  if (options.secret !== undefined && options.publicKey !== undefined) {
    throw new TypeError(`${who}: configure either a secret or a public key, not both`);
  }
  if (options.secret !== undefined) {
    // A short HS256 secret can be brute-forced offline from any token it signed.
    if (options.secret.length < 32) throw new TypeError(`${who}: the HS256 secret must be at least 32 characters`);
    return { key: new TextEncoder().encode(options.secret), algorithms: [...(options.algorithms ?? ['HS256'])] };
  }
  if (options.publicKey !== undefined) {
    const key = typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey;
    return { key, algorithms: [...(options.algorithms ?? algorithmsFor(key))] };
  }
  throw new TypeError(`${who}: configure a secret (HS256) or a public key`);
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
