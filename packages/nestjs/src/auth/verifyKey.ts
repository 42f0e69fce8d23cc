// The key that verifies bearer tokens (a shared HS256 secret or a public key) and the token checks configured beside it, resolved once at start-up.
import { createPublicKey, type KeyObject } from 'node:crypto';

/** How bearer tokens are verified; shared by the admin endpoints (`AdminAuthOptions`) and LucentModule's `auth`. */
export interface TokenVerifyOptions {
  /** Shared secret for HS256 tokens. Give this or `publicKey`. */
  readonly secret?: string;
  /** PEM public key (SPKI) or KeyObject for RS256 / ES256 / EdDSA tokens. */
  readonly publicKey?: string | KeyObject;
  /** Accepted algorithms; derived from the key when omitted (HS256, RS256, ES256 or EdDSA). */
  readonly algorithms?: readonly string[];
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds of clock skew tolerated on exp, nbf and iat (default 5). */
  readonly clockToleranceSec?: number;
  /** Longest accepted token lifetime in seconds, from iat (or now) to exp (default 86,400: one day). `exp` is always required. */
  readonly maxTokenLifetimeSec?: number;
}

/** A resolved verification key and its accepted algorithms. */
export interface VerifyKey {
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

/** `who` names the configuration in its errors (the admin module, or LucentModule's `auth`). */
export function resolveVerifyKey(options: TokenVerifyOptions, who = 'Admin auth'): VerifyKey {
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
