// `lucent token --sub NAME [--role ROLE …]`: sign an HS256 bearer token the service accepts, e.g. to sign in to the console.
import { SignJWT } from 'jose';
import { parseCommandArgs, type Command } from './command.js';

const usage = `usage: lucent token --sub NAME [--role ROLE ...] [--ttl SEC] [--secret S] [--issuer ISS] [--audience AUD]
  --sub NAME        the user the token names (claim sub; the audit records it as the author of changes)
  --role ROLE       a role in the roles claim; repeat for more (admin: the admin API and the console's edit controls)
  --ttl SEC         lifetime in seconds (default 3600); the service refuses tokens living longer than
                    LUCENT_AUTH_MAX_LIFETIME_SEC (default 86400)
  --secret S        the service's HS256 secret (at least 32 characters); default: LUCENT_AUTH_SECRET
  --issuer ISS      claim iss, when the service checks it (LUCENT_AUTH_ISSUER)
  --audience AUD    claim aud, when the service checks it (LUCENT_AUTH_AUDIENCE)
Prints the token alone on stdout, so TOKEN=$(lucent token ...) works; what it signed goes to stderr.
Exit codes: 0 printed; 2 usage (no --sub, no secret, a secret under 32 characters, a bad --ttl).`;

export interface TokenRequest {
  readonly secret: string;
  readonly sub: string;
  readonly roles: readonly string[];
  readonly ttlSec: number;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds since the epoch (default now). */
  readonly nowSec?: number;
}

/** An HS256 JWT with sub, roles, iat and exp (and iss/aud when given): the claims the service's verifier reads. */
export function signToken(request: TokenRequest): Promise<string> {
  const now = request.nowSec ?? Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ roles: [...request.roles] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + request.ttlSec);
  if (request.issuer !== undefined) jwt = jwt.setIssuer(request.issuer);
  if (request.audience !== undefined) jwt = jwt.setAudience(request.audience);
  return jwt.sign(new TextEncoder().encode(request.secret));
}

export const tokenCommand: Command = {
  usage,
  async run(argv) {
    const parsed = parseCommandArgs(
      'token',
      argv,
      {
        sub: { type: 'string' },
        role: { type: 'string', multiple: true, default: [] },
        ttl: { type: 'string', default: '3600' },
        secret: { type: 'string' },
        issuer: { type: 'string' },
        audience: { type: 'string' },
      },
      usage,
    );
    if (parsed === undefined) return 2;
    const { values } = parsed;
    const refuse = (why: string): number => {
      console.error(`lucent token: ${why}\n${usage}`);
      return 2;
    };
    if (values.sub === undefined || values.sub === '') return refuse('name the user with --sub NAME');
    const secret = values.secret ?? process.env['LUCENT_AUTH_SECRET'] ?? '';
    if (secret === '') return refuse('give the service\'s secret with --secret S or LUCENT_AUTH_SECRET');
    // The service refuses to start with a shorter one, so a token signed with it could never be accepted.
    if (secret.length < 32) return refuse('the HS256 secret must be at least 32 characters, as the service requires');
    const ttlSec = Number(values.ttl);
    if (!Number.isInteger(ttlSec) || ttlSec <= 0) return refuse(`--ttl must be a whole number of seconds above 0, not "${values.ttl}"`);
    const roles = values.role.flatMap((r) => r.split(',')).map((r) => r.trim()).filter(Boolean);
    const token = await signToken({
      secret,
      sub: values.sub,
      roles,
      ttlSec,
      ...(values.issuer === undefined ? {} : { issuer: values.issuer }),
      ...(values.audience === undefined ? {} : { audience: values.audience }),
    });
    const expires = new Date(Date.now() + ttlSec * 1000).toISOString();
    console.error(`lucent token: sub ${values.sub}, roles [${roles.join(', ')}], expires ${expires}`);
    if (ttlSec > 86_400) console.error('lucent token: longer than a day: the service refuses it unless LUCENT_AUTH_MAX_LIFETIME_SEC allows it');
    console.log(token);
    return 0;
  },
};
