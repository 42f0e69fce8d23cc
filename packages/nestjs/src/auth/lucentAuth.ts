// LucentAuth: how LucentModule verifies callers' bearer tokens and which claims carry identity and jurisdiction.
import type { TokenVerifyOptions } from './verifyKey.js';

/** Names of the token claims a call context is built from. */
export interface LucentClaimNames {
  /** Claim holding the user id (default `sub`). */
  readonly userId?: string;
  /** Claim holding the account id (default `account`). */
  readonly accountId?: string;
  /** Claims tried in order for the jurisdiction, an ISO 3166 code (default `jurisdiction`, then `country`). */
  readonly jurisdiction?: string | readonly string[];
  /** Claim holding the caller's roles, a string or an array (default `roles`). */
  readonly roles?: string;
}

/**
 * Token verification is the admin module's (same key, algorithm, issuer, audience and skew
 * settings, see verifyKey.ts); only the role gate differs: any verified caller may call functions.
 */
export interface LucentAuthOptions extends TokenVerifyOptions {
  readonly claims?: LucentClaimNames;
  /**
   * Let calls without an Authorization header through with no identity (default false: 401).
   * A header that is present but invalid is refused either way. Anonymous calls have no
   * jurisdiction, so only an allow list (not a deny list) keeps them out of a geo-fenced function.
   */
  readonly allowAnonymous?: boolean;
  /**
   * Role a caller needs to pin a version with `?version=` (default `admin`); null lets every
   * verified caller pin. Pinning skips the sticky weights, so an open pin would let any user opt
   * out of a rollout or into a version that is not live yet.
   */
  readonly versionPinRole?: string | null;
}

/** Claim names with the defaults filled in. */
export interface ResolvedClaimNames {
  readonly userId: string;
  readonly accountId: string;
  readonly jurisdiction: readonly string[];
  readonly roles: string;
}

export function resolveClaimNames(names: LucentClaimNames | undefined): ResolvedClaimNames {
  const jurisdiction = names?.jurisdiction ?? ['jurisdiction', 'country'];
  return {
    userId: names?.userId ?? 'sub',
    accountId: names?.accountId ?? 'account',
    jurisdiction: typeof jurisdiction === 'string' ? [jurisdiction] : jurisdiction,
    roles: names?.roles ?? 'roles',
  };
}
