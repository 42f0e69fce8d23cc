// A connection's credentials and TLS come from its options or, when left out, from LUCENT_NATS_*; a setting that cannot work names what to fix.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nkeys } from 'nats';
import { NatsSecurityError, resolveNatsSecurity, type NatsSecurityOptions } from './connectionSecurity.js';

let dir: string;
const file = (name: string): string => join(dir, name);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lucent-nats-security-'));
  const user = nkeys.createUser();
  await writeFile(file('user.nk'), `${decode(user.getSeed())}\n`);
  await writeFile(file('account.nk'), decode(nkeys.createAccount().getSeed()));
  // The layout `nsc generate creds` writes; the JWT is not checked here (the server does that).
  await writeFile(
    file('user.creds'),
    `-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln\n------END NATS USER JWT------\n\n` +
      `-----BEGIN USER NKEY SEED-----\n${decode(user.getSeed())}\n------END USER NKEY SEED------\n`,
  );
  await writeFile(file('ca.pem'), 'ca');
  await writeFile(file('client.pem'), 'cert');
  await writeFile(file('client-key.pem'), 'key');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(options: NatsSecurityOptions, env: Record<string, string> = {}): Promise<NatsSecurityError> {
  const error: unknown = await resolveNatsSecurity(options, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NatsSecurityError);
  return error as NatsSecurityError;
}

describe('resolveNatsSecurity', () => {
  it('with nothing set, connects as before: no credentials, no TLS', async () => {
    expect(await resolveNatsSecurity({}, {})).toEqual({ method: 'none' });
  });

  it('reads each method from its variable', async () => {
    expect(await resolveNatsSecurity({}, { LUCENT_NATS_USER: 'gw', LUCENT_NATS_PASSWORD: 's3cret' })).toEqual({ method: 'user', user: 'gw', pass: 's3cret' });
    expect(await resolveNatsSecurity({}, { LUCENT_NATS_TOKEN: 't0ken' })).toEqual({ method: 'token', token: 't0ken' });
    const nkey = await resolveNatsSecurity({}, { LUCENT_NATS_NKEY_SEED: file('user.nk') });
    expect(nkey.method).toBe('nkey');
    expect(typeof nkey.authenticator).toBe('function');
    const creds = await resolveNatsSecurity({}, { LUCENT_NATS_CREDS: file('user.creds') });
    expect(creds.method).toBe('creds');
    // The authenticator answers a server's nonce with the JWT and a signature by the seed.
    expect(creds.authenticator!('nonce')).toMatchObject({ jwt: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln', sig: expect.any(String) });
  });

  it('an empty variable counts as unset (compose files often define them empty)', async () => {
    expect(await resolveNatsSecurity({}, { LUCENT_NATS_TOKEN: '', LUCENT_NATS_TLS_CA: '' })).toEqual({ method: 'none' });
  });

  it('auth options replace the auth variables as a whole; TLS variables still apply', async () => {
    const env = { LUCENT_NATS_TOKEN: 'from-env', LUCENT_NATS_PASSWORD: 'env-pass', LUCENT_NATS_TLS_CA: file('ca.pem') };
    expect(await resolveNatsSecurity({ user: 'op', password: 'opt-pass' }, env)).toEqual({ method: 'user', user: 'op', pass: 'opt-pass', tls: { caFile: file('ca.pem') } });
  });

  it('TLS from variables: a CA alone, or a CA with a client certificate and key, passed to nats.js as files', async () => {
    expect(await resolveNatsSecurity({}, { LUCENT_NATS_TLS_CA: file('ca.pem') })).toEqual({ method: 'none', tls: { caFile: file('ca.pem') } });
    const env = { LUCENT_NATS_TLS_CA: file('ca.pem'), LUCENT_NATS_TLS_CERT: file('client.pem'), LUCENT_NATS_TLS_KEY: file('client-key.pem') };
    expect((await resolveNatsSecurity({}, env)).tls).toEqual({ caFile: file('ca.pem'), certFile: file('client.pem'), keyFile: file('client-key.pem') });
  });

  it('a tls option replaces the TLS variables; tls: false turns TLS off despite them', async () => {
    const env = { LUCENT_NATS_TLS_CA: file('nowhere.pem') };
    expect((await resolveNatsSecurity({ tls: { caFile: file('ca.pem') } }, env)).tls).toEqual({ caFile: file('ca.pem') });
    expect((await resolveNatsSecurity({ tls: false }, env)).tls).toBeUndefined();
    expect((await resolveNatsSecurity({ tls: {} }, {})).tls).toEqual({});
  });

  it('a certificate without its key, or a key without its certificate, names the variable or field', async () => {
    const noKey = await refusal({}, { LUCENT_NATS_TLS_CERT: file('client.pem') });
    expect(noKey.field).toBe('LUCENT_NATS_TLS_CERT');
    expect(noKey.code).toBe('VALIDATION_FAILED');
    expect(noKey.message).toContain('without LUCENT_NATS_TLS_KEY');
    expect((await refusal({}, { LUCENT_NATS_TLS_KEY: file('client-key.pem') })).field).toBe('LUCENT_NATS_TLS_KEY');
    const option = await refusal({ tls: { certFile: file('client.pem') } });
    expect(option.field).toBe('tls.certFile');
    expect(option.message).toContain('without tls.keyFile');
  });

  it('an unreadable file names the variable and the path', async () => {
    const ca = await refusal({}, { LUCENT_NATS_TLS_CA: file('missing-ca.pem') });
    expect(ca.field).toBe('LUCENT_NATS_TLS_CA');
    expect(ca.message).toContain('missing-ca.pem');
    expect(ca.message).toContain('ENOENT');
    expect((await refusal({}, { LUCENT_NATS_CREDS: file('missing.creds') })).field).toBe('LUCENT_NATS_CREDS');
    expect((await refusal({ nkeySeedFile: file('missing.nk') })).field).toBe('nkeySeedFile');
    expect((await refusal({ tls: { caFile: file('ca.pem'), certFile: file('client.pem'), keyFile: file('gone-key.pem') } })).field).toBe('tls.keyFile');
  });

  it('a file of the wrong kind is refused before any connection', async () => {
    expect((await refusal({}, { LUCENT_NATS_CREDS: file('user.nk') })).message).toContain('not a NATS credentials file');
    expect((await refusal({}, { LUCENT_NATS_NKEY_SEED: file('account.nk') })).message).toContain('user NKey seed');
    expect((await refusal({}, { LUCENT_NATS_NKEY_SEED: file('ca.pem') })).field).toBe('LUCENT_NATS_NKEY_SEED');
  });

  it('two ways to authenticate, or half of user/password, are refused', async () => {
    const both = await refusal({}, { LUCENT_NATS_CREDS: file('user.creds'), LUCENT_NATS_TOKEN: 't' });
    expect(both.field).toBe('LUCENT_NATS_TOKEN');
    expect(both.message).toContain('cannot be used with LUCENT_NATS_CREDS');
    expect((await refusal({ user: 'u', token: 't' })).message).toContain('token cannot be used with user');
    expect((await refusal({}, { LUCENT_NATS_USER: 'gw' })).message).toBe('NATS security: LUCENT_NATS_USER is set without a password');
    expect((await refusal({ password: 'p' })).field).toBe('password');
  });
});
