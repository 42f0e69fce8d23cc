// How a Lucent process proves who it is to NATS and checks the server: credentials and TLS, from options or LUCENT_NATS_* variables.
import { readFile } from 'node:fs/promises';
import { LucentError } from '@lucent/core';
import { credsAuthenticator, nkeyAuthenticator, nkeys, type Authenticator, type TlsOptions } from 'nats';

/** The client side of TLS: the CA that signed the servers' certificates, and a client certificate when the server asks for one. */
export interface NatsTlsFiles {
  /** PEM of the CA to trust (the system's CAs when absent). */
  readonly caFile?: string;
  /** PEM client certificate; needs `keyFile`. */
  readonly certFile?: string;
  /** PEM private key of `certFile`. */
  readonly keyFile?: string;
}

/**
 * One way to authenticate (at most one of them) and TLS. Fields left out are read from the
 * environment: auth from LUCENT_NATS_CREDS / _NKEY_SEED / _USER + _PASSWORD / _TOKEN when no auth
 * field is given, TLS from LUCENT_NATS_TLS_CA / _CERT / _KEY when `tls` is not given.
 */
export interface NatsSecurityOptions {
  /** A NATS credentials file: the user JWT and its NKey seed (what `nsc generate creds` writes). */
  readonly credsFile?: string;
  /** A file holding a user NKey seed (`SU…`), for servers that list NKey users. */
  readonly nkeySeedFile?: string;
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  /** TLS to the server; `false` connects without TLS even when LUCENT_NATS_TLS_* are set. */
  readonly tls?: NatsTlsFiles | false;
}

/** The environment variables read when the options leave a part out. Empty values count as unset. */
export const natsSecurityEnv = {
  creds: 'LUCENT_NATS_CREDS',
  nkeySeed: 'LUCENT_NATS_NKEY_SEED',
  user: 'LUCENT_NATS_USER',
  password: 'LUCENT_NATS_PASSWORD',
  token: 'LUCENT_NATS_TOKEN',
  tlsCa: 'LUCENT_NATS_TLS_CA',
  tlsCert: 'LUCENT_NATS_TLS_CERT',
  tlsKey: 'LUCENT_NATS_TLS_KEY',
} as const;

/** A security setting that cannot work: `field` names the option or variable to fix. */
export class NatsSecurityError extends LucentError {
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super('VALIDATION_FAILED', `NATS security: ${field} ${message}`, { field }, options);
    this.field = field;
  }
}

/** What nats.js's `connect` takes for it: the parts set, and which method was chosen (for logs; never a secret). */
export interface NatsSecurity {
  readonly method: 'none' | 'creds' | 'nkey' | 'user' | 'token';
  readonly authenticator?: Authenticator;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  readonly tls?: TlsOptions;
}

type Env = Readonly<Record<string, string | undefined>>;

/** One setting with the name to blame: the option's field, or the variable it came from. */
interface Setting {
  readonly value: string;
  readonly field: string;
}

const fromOption = (value: string | undefined, field: string): Setting | undefined => (value === undefined ? undefined : { value, field });
const fromEnv = (env: Env, name: string): Setting | undefined => {
  const value = env[name];
  return value === undefined || value === '' ? undefined : { value, field: name };
};

async function readSetting(s: Setting, what: string): Promise<string> {
  try {
    return await readFile(s.value, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new NatsSecurityError(s.field, `names ${what} that cannot be read (${s.value}: ${reason})`, { cause: error });
  }
}

async function readableFile(s: Setting | undefined, what: string): Promise<string | undefined> {
  if (s === undefined) return undefined;
  await readSetting(s, what);
  return s.value;
}

interface AuthSettings {
  readonly creds?: Setting | undefined;
  readonly nkeySeed?: Setting | undefined;
  readonly user?: Setting | undefined;
  readonly password?: Setting | undefined;
  readonly token?: Setting | undefined;
}

function authSettings(options: NatsSecurityOptions, env: Env): AuthSettings {
  const given: AuthSettings = {
    creds: fromOption(options.credsFile, 'credsFile'),
    nkeySeed: fromOption(options.nkeySeedFile, 'nkeySeedFile'),
    user: fromOption(options.user, 'user'),
    password: fromOption(options.password, 'password'),
    token: fromOption(options.token, 'token'),
  };
  // Options replace the environment as a whole: a given user never meets a password from a variable.
  if (Object.values(given).some((s) => s !== undefined)) return given;
  return {
    creds: fromEnv(env, natsSecurityEnv.creds),
    nkeySeed: fromEnv(env, natsSecurityEnv.nkeySeed),
    user: fromEnv(env, natsSecurityEnv.user),
    password: fromEnv(env, natsSecurityEnv.password),
    token: fromEnv(env, natsSecurityEnv.token),
  };
}

async function resolveAuth(a: AuthSettings): Promise<Omit<NatsSecurity, 'tls'>> {
  const methods = [a.creds, a.nkeySeed, a.user ?? a.password, a.token].filter((s): s is Setting => s !== undefined);
  if (methods.length > 1) {
    throw new NatsSecurityError(methods[1]!.field, `cannot be used with ${methods[0]!.field}: choose one way to authenticate`);
  }
  if (a.creds !== undefined) {
    const text = await readSetting(a.creds, 'a credentials file');
    if (!/-{3,}BEGIN NATS USER JWT-{3,}/.test(text) || !/-{3,}BEGIN USER NKEY SEED-{3,}/.test(text)) {
      throw new NatsSecurityError(a.creds.field, `names ${a.creds.value}, which is not a NATS credentials file (a user JWT and its NKey seed)`);
    }
    const bytes = new TextEncoder().encode(text);
    return { method: 'creds', authenticator: credsAuthenticator(bytes) };
  }
  if (a.nkeySeed !== undefined) {
    const seed = (await readSetting(a.nkeySeed, 'an NKey seed file')).trim();
    try {
      // A user seed decodes to a user key pair; anything else (an account seed, a public key) is refused here, not at the server.
      if (!nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey().startsWith('U')) throw new Error('not a user seed');
    } catch (error) {
      throw new NatsSecurityError(a.nkeySeed.field, `names ${a.nkeySeed.value}, which does not hold a user NKey seed (one line starting with SU)`, { cause: error });
    }
    return { method: 'nkey', authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) };
  }
  if (a.user !== undefined || a.password !== undefined) {
    if (a.user === undefined) throw new NatsSecurityError(a.password!.field, 'is set without a user');
    if (a.password === undefined) throw new NatsSecurityError(a.user.field, 'is set without a password');
    return { method: 'user', user: a.user.value, pass: a.password.value };
  }
  if (a.token !== undefined) return { method: 'token', token: a.token.value };
  return { method: 'none' };
}

async function resolveTls(options: NatsSecurityOptions, env: Env): Promise<TlsOptions | undefined> {
  if (options.tls === false) return undefined;
  const files =
    options.tls !== undefined
      ? {
          ca: fromOption(options.tls.caFile, 'tls.caFile'),
          cert: fromOption(options.tls.certFile, 'tls.certFile'),
          key: fromOption(options.tls.keyFile, 'tls.keyFile'),
        }
      : { ca: fromEnv(env, natsSecurityEnv.tlsCa), cert: fromEnv(env, natsSecurityEnv.tlsCert), key: fromEnv(env, natsSecurityEnv.tlsKey) };
  if (files.cert !== undefined && files.key === undefined) {
    throw new NatsSecurityError(files.cert.field, `is set without ${options.tls === undefined ? natsSecurityEnv.tlsKey : 'tls.keyFile'}: a client certificate needs its private key`);
  }
  if (files.key !== undefined && files.cert === undefined) {
    throw new NatsSecurityError(files.key.field, `is set without ${options.tls === undefined ? natsSecurityEnv.tlsCert : 'tls.certFile'}: a private key needs its client certificate`);
  }
  if (options.tls === undefined && files.ca === undefined && files.cert === undefined) return undefined;
  const caFile = await readableFile(files.ca, 'a CA certificate');
  const certFile = await readableFile(files.cert, 'a client certificate');
  const keyFile = await readableFile(files.key, 'a private key');
  // nats.js reads the files again on each reconnect, so a renewed certificate is picked up without a restart.
  return { ...(caFile === undefined ? {} : { caFile }), ...(certFile === undefined ? {} : { certFile }), ...(keyFile === undefined ? {} : { keyFile }) };
}

/**
 * The credentials and TLS a connection uses, checked before any connection is tried: a bad
 * combination or an unreadable file is a NatsSecurityError naming the option or variable.
 */
export async function resolveNatsSecurity(options: NatsSecurityOptions, env: Env = process.env): Promise<NatsSecurity> {
  const auth = await resolveAuth(authSettings(options, env));
  const tls = await resolveTls(options, env);
  return tls === undefined ? auth : { ...auth, tls };
}
