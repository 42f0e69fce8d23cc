// Builds a request's CallContext from its headers: the bearer token (when auth is configured), correlation id and traceparent.
import { LucentError, ValidationError, type BusinessMetadata } from '@lucent/core';
import { resolveVerifyKey } from '../auth/verifyKey.js';
import { verifyBearerToken, type BearerKey } from '../auth/bearerToken.js';
import { callerFromClaims, type LucentCaller } from '../auth/callerFromClaims.js';
import { resolveClaimNames, type LucentAuthOptions, type ResolvedClaimNames } from '../auth/lucentAuth.js';
import type { CallContext } from './callContext.js';

type Headers = Record<string, string | string[] | undefined>;

const noBusiness: BusinessMetadata = Object.freeze({});
/** The context of a call that sent no token and no tracing headers: shared, since nothing in it varies. */
const anonymousOpen: CallContext = Object.freeze({
  business: noBusiness,
  caller: undefined,
  authenticates: false,
  correlationId: undefined,
  traceparent: undefined,
});
const anonymousVerifying: CallContext = Object.freeze({ ...anonymousOpen, authenticates: true });

const correlationPattern = /^[\x21-\x7e]{1,128}$/;
// W3C Trace Context: version-traceid-parentid-flags; later versions may append fields.
const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-[^\s]*)?$/;
const zeroTrace = '0'.repeat(32);
const zeroParent = '0'.repeat(16);

function correlationIdOf(headers: Headers): string | undefined {
  const value = headers['x-correlation-id'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !correlationPattern.test(value)) {
    throw new ValidationError('input', 'request headers', [
      { path: 'headers.x-correlation-id', message: 'must be one value of 1 to 128 visible ASCII characters' },
    ]);
  }
  return value;
}

/** A malformed traceparent is dropped, not refused: W3C Trace Context says to start a new trace instead. */
function traceparentOf(headers: Headers): string | undefined {
  const value = headers['traceparent'];
  if (typeof value !== 'string') return undefined;
  const m = traceparentPattern.exec(value);
  if (m === null || m[1] === 'ff' || m[2] === zeroTrace || m[3] === zeroParent) return undefined;
  if (m[1] === '00' && m[4] !== undefined) return undefined;
  return value;
}

function businessOf(caller: LucentCaller): BusinessMetadata {
  const business: { -readonly [K in keyof BusinessMetadata]: BusinessMetadata[K] } = { userId: caller.userId };
  if (caller.accountId !== undefined) business.accountId = caller.accountId;
  if (caller.jurisdiction !== undefined) business.jurisdiction = caller.jurisdiction;
  return business;
}

export class CallContextResolver {
  private readonly key: BearerKey | undefined;
  private readonly names: ResolvedClaimNames;

  /** Without `auth`, calls run with no identity (the embedded default), and an Authorization header is ignored. */
  constructor(private readonly auth?: LucentAuthOptions) {
    // Resolved here, at start-up: a bad key or secret fails the boot rather than a request.
    this.key = auth === undefined ? undefined : resolveVerifyKey(auth, 'LucentModule auth');
    this.names = resolveClaimNames(auth?.claims);
  }

  get authenticates(): boolean {
    return this.key !== undefined;
  }

  /** Refuses a pinned version (`?version=`) unless auth is off or the caller holds the pin role. */
  checkVersionPin(call: CallContext, version: string | undefined): void {
    if (version === undefined || this.auth === undefined) return;
    const role = this.auth.versionPinRole === undefined ? 'admin' : this.auth.versionPinRole;
    if (role === null || (call.caller?.roles.includes(role) ?? false)) return;
    throw new LucentError('FORBIDDEN', `Pinning a version needs the ${role} role`, { required: role, version });
  }

  /**
   * Synchronous when no token has to be verified, so an unauthenticated call costs no extra promise.
   * `anonymous`: a public route (docs, health) — no token is read, even when one is sent.
   */
  resolve(headers: Headers, options: { readonly anonymous?: boolean } = {}): CallContext | Promise<CallContext> {
    const correlationId = correlationIdOf(headers);
    const traceparent = traceparentOf(headers);
    const authorization = headers['authorization'];
    const authenticates = this.key !== undefined;
    if (!authenticates || options.anonymous === true || (authorization === undefined && this.auth?.allowAnonymous === true)) {
      if (correlationId === undefined && traceparent === undefined) return authenticates ? anonymousVerifying : anonymousOpen;
      return { business: noBusiness, caller: undefined, authenticates, correlationId, traceparent };
    }
    const auth = this.auth as LucentAuthOptions;
    return verifyBearerToken(typeof authorization === 'string' ? authorization : undefined, auth, this.key as BearerKey).then((payload) => {
      const caller = callerFromClaims(payload, this.names);
      return { business: businessOf(caller), caller, authenticates, correlationId, traceparent };
    });
  }
}
