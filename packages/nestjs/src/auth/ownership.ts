// Ownership by verified identity: a request acts for the caller its token names, never for an id its body or path claims.
import { LucentError } from '@lucent/core';
import type { CallContext } from '../callContext/callContext.js';

/** Roles that may read and act on other users' data (support and operations); `admin` implies all. */
export const supportRoles: readonly string[] = ['operator', 'admin'];

export type Principal = 'user' | 'account';

/** The caller's own id of that kind: the account claim, or the user id when the token names no account. */
function ownIdOf(call: CallContext, kind: Principal): string | undefined {
  const caller = call.caller;
  if (caller === undefined) return undefined;
  return kind === 'account' ? (caller.accountId ?? caller.userId) : caller.userId;
}

/**
 * The id a new resource is created for. With auth on: the verified caller's, and a `claimed`
 * id that differs is FORBIDDEN (403, nothing written). With auth off (the embedded default): the
 * claimed one, which the route's contract then requires.
 */
export function actingFor(call: CallContext, claimed: string | undefined, field: string, kind: Principal = 'user'): string | undefined {
  if (!call.authenticates) return claimed;
  const own = ownIdOf(call, kind);
  if (own === undefined) throw new LucentError('UNAUTHORIZED', 'A verified caller is required', { reason: 'missing-token' });
  if (claimed !== undefined && claimed !== own) {
    throw new LucentError('FORBIDDEN', `${field} must be the caller's own ${kind} (${own})`, { field, reason: 'not-owner' });
  }
  return own;
}

/**
 * Refuses (403) access to data owned by someone else unless the caller holds a support role.
 * `owner` undefined means the resource does not exist: the caller then gets the same answer as
 * the owner would (a 404 from the handler), so ids cannot be probed by a FORBIDDEN.
 */
export function assertMayAccess(call: CallContext, owner: string | undefined, what: string, kind: Principal = 'user'): void {
  if (!call.authenticates || owner === undefined) return;
  const own = ownIdOf(call, kind);
  if (own === undefined) throw new LucentError('UNAUTHORIZED', 'A verified caller is required', { reason: 'missing-token' });
  if (own === owner) return;
  if (call.caller?.roles.some((r) => supportRoles.includes(r))) return;
  throw new LucentError('FORBIDDEN', `${what} belongs to another ${kind}`, { reason: 'not-owner' });
}

/** True when the caller may see every user's data (auth off, or a support role). */
export function seesEveryone(call: CallContext): boolean {
  return !call.authenticates || (call.caller?.roles.some((r) => supportRoles.includes(r)) ?? false);
}
