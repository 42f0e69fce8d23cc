// POST /functions/:name runs as the caller the bearer token names: claims reach ctx.business and version selection, headers never do.
import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, initialRules, setJurisdictions, setWeights, type FunctionRules } from '@lucent/core';
import { FunctionManager } from '@lucent/runtime';
import type { LucentAuthOptions } from '../auth/lucentAuth.js';
import { LucentModule } from '../lucentModule.js';

const secret = 'a-test-secret-that-is-long-enough-for-hs256';
const fingerprint = { input: 'sha256:in', output: 'sha256:out' };

const whoAmI = defineFunction(
  {
    name: 'test.whoAmI',
    version: '1.0.0',
    input: z.object({}),
    output: z.object({
      business: z.record(z.string(), z.unknown()),
      correlationId: z.string(),
      traceparent: z.string().nullable(),
    }),
  },
  (_input, ctx) => ({
    business: { ...ctx.business },
    correlationId: ctx.execution.correlationId,
    traceparent: ctx.execution.traceparent ?? null,
  }),
);

/** Counts its runs, so a test can prove a refused call never reached the function. */
let geoRuns = 0;
const geoFenced = defineFunction(
  { name: 'test.geoFenced', version: '1.0.0', input: z.object({ amount: z.number() }), output: z.object({ ok: z.boolean() }) },
  () => {
    geoRuns++;
    return { ok: true };
  },
);
const rolloutV1 = defineFunction(
  { name: 'test.rollout', version: '1.0.0', input: z.object({}), output: z.object({ version: z.string() }) },
  () => ({ version: '1.0.0' }),
);
const rolloutV2 = defineFunction(
  { name: 'test.rollout', version: '2.0.0', input: z.object({}), output: z.object({ version: z.string() }) },
  () => ({ version: '2.0.0' }),
);

function rules(name: string, versions: string[], edit: (r: FunctionRules) => FunctionRules): FunctionRules {
  let r = initialRules(name, { version: versions[0]!, fingerprint });
  for (const v of versions.slice(1)) r = { ...r, versions: { ...r.versions, [v]: { version: v, fingerprint } } };
  return edit(r);
}

function newManager(): FunctionManager {
  const manager = new FunctionManager().register(whoAmI, geoFenced, rolloutV1, rolloutV2);
  // Registry rules, as the registry watcher would install them: US is geo-fenced out; every keyed caller gets 2.0.0.
  manager.applyRules('test.geoFenced', rules('test.geoFenced', ['1.0.0'], (r) => setJurisdictions(r, { deny: ['US'] })));
  manager.applyRules('test.rollout', rules('test.rollout', ['1.0.0', '2.0.0'], (r) => setWeights(r, { '2.0.0': 100 })));
  return manager;
}

async function startApp(auth: LucentAuthOptions | undefined): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    LucentModule.forRoot({ invoker: newManager(), ...(auth === undefined ? {} : { auth }) }),
    new FastifyAdapter(),
    { logger: false },
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

async function token(claims: Record<string, unknown>, options: { key?: string; expiresAt?: number } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(options.expiresAt ?? '5m')
    .sign(new TextEncoder().encode(options.key ?? secret));
}

type Reply = { status: number; json: Record<string, unknown>; headers: Record<string, unknown> };

function caller(app: () => NestFastifyApplication) {
  return async (name: string, headers: Record<string, string> = {}, body: unknown = {}): Promise<Reply> => {
    const res = await app().inject({ method: 'POST', url: `/functions/${name}`, headers, payload: body as Record<string, unknown> });
    return { status: res.statusCode, json: res.json() as Record<string, unknown>, headers: res.headers };
  };
}
const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

describe('functions endpoint with LucentAuth (HS256)', () => {
  let app: NestFastifyApplication;
  const call = caller(() => app);
  beforeAll(async () => {
    app = await startApp({ secret, claims: { accountId: 'acct' } });
  });
  afterAll(async () => {
    await app.close();
  });

  it('hands the verified claims to the function as ctx.business, with correlation id and traceparent', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const t = await token({ sub: 'user-1', acct: 'acc-9', jurisdiction: 'de', roles: ['trader'] });
    const { status, json } = await call('test.whoAmI', { ...bearer(t), 'x-correlation-id': 'order-77', traceparent });
    expect(status).toBe(200);
    expect(json['output']).toEqual({
      business: { userId: 'user-1', accountId: 'acc-9', jurisdiction: 'DE' },
      correlationId: 'order-77',
      traceparent,
    });
  });

  it('names where and which version ran in x-lucent-shard and x-lucent-version, on successes only', async () => {
    const t = await token({ sub: 'user-1', jurisdiction: 'DE' });
    const ok = await call('test.rollout', bearer(t));
    expect(ok.status).toBe(200);
    expect(ok.headers['x-lucent-shard']).toBe('local');
    expect(ok.headers['x-lucent-version']).toBe('2.0.0');
    const us = await token({ sub: 'user-2', jurisdiction: ' us ' });
    const refused = await call('test.geoFenced', bearer(us), { amount: 1 });
    expect(refused.status).toBe(403);
    expect(refused.headers['x-lucent-shard']).toBeUndefined();
  });

  it('ignores identity and jurisdiction headers the client sets', async () => {
    const t = await token({ sub: 'user-1', jurisdiction: 'DE' });
    const forged = { 'x-jurisdiction': 'US', 'x-user-id': 'admin', 'x-account-id': 'acc-0', 'x-country': 'US' };
    const { json } = await call('test.whoAmI', { ...bearer(t), ...forged });
    expect((json['output'] as { business: unknown }).business).toEqual({ userId: 'user-1', jurisdiction: 'DE' });
    // And the geo-fence judges the token's DE, not the header's US, in both directions.
    const before = geoRuns;
    expect((await call('test.geoFenced', { ...bearer(t), 'x-jurisdiction': 'US' }, { amount: 1 })).status).toBe(200);
    const us = await token({ sub: 'user-2', jurisdiction: 'US' });
    expect((await call('test.geoFenced', { ...bearer(us), 'x-jurisdiction': 'DE' }, { amount: 1 })).status).toBe(403);
    expect(geoRuns).toBe(before + 1);
  });

  it('refuses a jurisdiction the registry denies with 403 JURISDICTION_DENIED, and the function does not run', async () => {
    const before = geoRuns;
    for (const claims of [{ sub: 'u', jurisdiction: 'US' }, { sub: 'u', country: 'us' }]) {
      const { status, json } = await call('test.geoFenced', bearer(await token(claims)), { amount: 5 });
      expect(status).toBe(403);
      expect(json).toMatchObject({ code: 'JURISDICTION_DENIED', details: { name: 'test.geoFenced', jurisdiction: 'US' } });
    }
    expect(geoRuns).toBe(before);
  });

  it('selects the version by the token user, not by a header', async () => {
    const t = await token({ sub: 'user-42' });
    expect((await call('test.rollout', bearer(t))).json['output']).toEqual({ version: '2.0.0' });
  });

  it('lets only the admin role pin a version with ?version=, since a pin skips the rollout', async () => {
    const pin = async (claims: Record<string, unknown>) => {
      const res = await app.inject({ method: 'POST', url: '/functions/test.rollout?version=1.0.0', headers: bearer(await token(claims)), payload: {} });
      return { status: res.statusCode, json: res.json() as Record<string, unknown>, headers: res.headers };
    };
    const user = await pin({ sub: 'user-42', roles: ['trader'] });
    expect(user.status).toBe(403);
    expect(user.json).toMatchObject({ code: 'FORBIDDEN', details: { required: 'admin' } });
    const admin = await pin({ sub: 'ops-1', roles: ['admin'] });
    expect(admin.status).toBe(200);
    expect(admin.json['output']).toEqual({ version: '1.0.0' });
  });

  it('answers 401 UNAUTHORIZED for a missing, forged, expired or malformed token, and runs nothing', async () => {
    const before = geoRuns;
    const cases: [headers: Record<string, string>, reason: string][] = [
      [{}, 'missing-token'],
      [bearer(await token({ sub: 'u', jurisdiction: 'DE' }, { key: 'another-secret-that-is-long-enough-to-sign' })), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
      [bearer(await token({ sub: 'u', jurisdiction: 'DE' }, { expiresAt: Math.floor(Date.now() / 1000) - 60 })), 'expired'],
      [bearer('not.a.jwt'), 'ERR_JWS_INVALID'],
      [{ authorization: `Basic ${Buffer.from('u:p').toString('base64')}` }, 'missing-token'],
      [bearer(await token({ jurisdiction: 'DE' })), 'no-subject'],
      [bearer(await token({ sub: 'u', jurisdiction: 'Germany' })), 'bad-claim'],
    ];
    for (const [headers, reason] of cases) {
      const res = await app.inject({ method: 'POST', url: '/functions/test.geoFenced', headers, payload: { amount: 1 } });
      expect(res.statusCode, reason).toBe(401);
      expect(res.headers['www-authenticate'], reason).toBe('Bearer');
      expect(res.json(), reason).toMatchObject({ code: 'UNAUTHORIZED', details: { reason } });
    }
    expect(geoRuns).toBe(before);
  });

  it('checks the token before the body: an unauthenticated bad body is 401, not 400', async () => {
    expect((await call('test.geoFenced', {}, { amount: 'lots' })).status).toBe(401);
    const t = await token({ sub: 'u' });
    const bad = await call('test.geoFenced', bearer(t), { amount: 'lots' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'amount' }] } });
  });

  it('drops a malformed traceparent and refuses a malformed correlation id naming the header', async () => {
    const t = await token({ sub: 'u' });
    const ok = await call('test.whoAmI', { ...bearer(t), traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' });
    expect((ok.json['output'] as { traceparent: unknown }).traceparent).toBeNull();
    const bad = await call('test.whoAmI', { ...bearer(t), 'x-correlation-id': 'x'.repeat(200) });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'headers.x-correlation-id' }] } });
  });
});

describe('functions endpoint without auth (embedded default)', () => {
  let app: NestFastifyApplication;
  const call = caller(() => app);
  beforeAll(async () => {
    app = await startApp(undefined);
  });
  afterAll(async () => {
    await app.close();
  });

  it('runs calls with no identity, whatever the headers claim', async () => {
    const t = await token({ sub: 'user-1', jurisdiction: 'US' });
    const { status, json } = await call('test.whoAmI', { ...bearer(t), 'x-jurisdiction': 'US', 'x-user-id': 'user-1' });
    expect(status).toBe(200);
    expect((json['output'] as { business: unknown }).business).toEqual({});
    // No user, no sticky key: the active version serves everyone.
    expect((await call('test.rollout', { 'x-user-id': 'user-42' })).json['output']).toEqual({ version: '1.0.0' });
  });
});

describe('functions endpoint with anonymous calls allowed', () => {
  let app: NestFastifyApplication;
  const call = caller(() => app);
  beforeAll(async () => {
    app = await startApp({ secret, allowAnonymous: true });
  });
  afterAll(async () => {
    await app.close();
  });

  it('runs a call without a token anonymously but still refuses an invalid one', async () => {
    const anon = await call('test.whoAmI');
    expect(anon.status).toBe(200);
    expect((anon.json['output'] as { business: unknown }).business).toEqual({});
    const forged = await token({ sub: 'u' }, { key: 'another-secret-that-is-long-enough-to-sign' });
    expect((await call('test.whoAmI', bearer(forged))).status).toBe(401);
  });
});

describe('functions endpoint with LucentAuth (EdDSA public key, issuer and audience)', () => {
  it('accepts a token from the configured issuer for this audience, and refuses the others with 401', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const app = await startApp({
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      issuer: 'https://idp.example',
      audience: 'trading-api',
      claims: { jurisdiction: 'region' },
    });
    const call = caller(() => app);
    const sign = (iss: string, aud: string) =>
      new SignJWT({ region: 'FR', jurisdiction: 'US' })
        .setProtectedHeader({ alg: 'EdDSA' })
        .setSubject('carol')
        .setIssuer(iss)
        .setAudience(aud)
        .setExpirationTime('5m')
        .sign(privateKey);
    try {
      const ok = await call('test.whoAmI', bearer(await sign('https://idp.example', 'trading-api')));
      expect(ok.status).toBe(200);
      // Only the configured claim names the jurisdiction; a `jurisdiction` claim beside it is not read.
      expect((ok.json['output'] as { business: unknown }).business).toEqual({ userId: 'carol', jurisdiction: 'FR' });
      expect((await call('test.whoAmI', bearer(await sign('https://evil.example', 'trading-api')))).status).toBe(401);
      expect((await call('test.whoAmI', bearer(await sign('https://idp.example', 'other-api')))).status).toBe(401);
      // An HS256 token cannot pass for the EdDSA key (no algorithm confusion).
      expect((await call('test.whoAmI', bearer(await token({ sub: 'carol' })))).status).toBe(401);
    } finally {
      await app.close();
    }
  });
});
