// The admin registry endpoints: only a verified admin token may change rules; everyone else is refused and nothing changes.
import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRegistryStore, RegistryAdmin } from '@lucent/runtime';
import { LucentAdminModule } from './lucentAdminModule.js';
import type { AdminAuthOptions } from './adminAuth.js';

const secret = 'a-test-secret-that-is-long-enough-for-hs256';
const fn = 'pricing.quote';
const fp = (tag: string) => ({ input: `sha256:${tag}-in`, output: `sha256:${tag}-out` });

async function hsToken(claims: Record<string, unknown>, options: { key?: string; expiresIn?: string | number } = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (claims['sub'] === undefined) jwt.setSubject('alice');
  jwt.setExpirationTime(options.expiresIn ?? '5m');
  return jwt.sign(new TextEncoder().encode(options.key ?? secret));
}

async function startApp(registry: MemoryRegistryStore, auth: AdminAuthOptions): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(LucentAdminModule.forRoot({ registry, auth }), new FastifyAdapter(), {
    logger: false,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('registry admin over HTTP (HS256 secret)', () => {
  let registry: MemoryRegistryStore;
  let app: NestFastifyApplication;
  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, token?: string, body?: unknown) =>
    app.getHttpAdapter().getInstance().inject({
      method,
      url,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), 'x-user': 'mallory' },
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });

  beforeAll(async () => {
    registry = new MemoryRegistryStore();
    const admin = new RegistryAdmin(registry);
    await admin.register(fn, { version: '1.0.0', fingerprint: fp('a') }, { who: 'setup', why: 'seed' });
    await admin.register(fn, { version: '2.0.0', fingerprint: fp('a') }, { who: 'setup', why: 'seed' });
    await admin.register(fn, { version: '3.0.0', fingerprint: fp('b') }, { who: 'setup', why: 'seed' });
    app = await startApp(registry, { secret });
  });
  afterAll(async () => {
    await app.close();
    await registry.close();
  });

  const snapshot = async () => ({ entry: await registry.get(fn), history: (await registry.history(fn)).length });

  it('refuses a request without a token with 401 UNAUTHORIZED, and changes nothing', async () => {
    const before = await snapshot();
    const res = await call('POST', `/admin/registry/${fn}/disable`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a normal user with 403 FORBIDDEN on every write, and changes nothing', async () => {
    const before = await snapshot();
    const token = await hsToken({ sub: 'bob', roles: ['trader'] });
    const writes: [method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown][] = [
      ['POST', 'disable'],
      ['POST', 'enable'],
      ['POST', 'activate', { version: '2.0.0' }],
      ['PUT', 'weights', { weights: { '2.0.0': 50 } }],
      ['PUT', 'shadow', { version: '2.0.0' }],
      ['PUT', 'jurisdictions', { deny: ['US'] }],
      ['PUT', 'routes/whales', { requireTags: ['whale'] }],
      ['DELETE', 'routes/whales'],
      ['DELETE', 'routes'],
    ];
    for (const [method, path, body] of writes) {
      const res = await call(method, `/admin/registry/${fn}/${path}`, token, body);
      expect(res.statusCode, path).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect((await call('GET', `/admin/registry/${fn}`, token)).statusCode).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an expired token and a token signed with another key with 401', async () => {
    const before = await snapshot();
    const expired = await hsToken({ roles: ['admin'] }, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const forged = await hsToken({ roles: ['admin'] }, { key: 'another-secret-that-is-long-enough-to-sign' });
    const r1 = await call('POST', `/admin/registry/${fn}/disable`, expired);
    expect(r1.statusCode).toBe(401);
    expect(r1.json()).toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'expired' } });
    const r2 = await call('POST', `/admin/registry/${fn}/disable`, forged);
    expect(r2.statusCode).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  it('applies an admin write and records the token subject (not a header) as who', async () => {
    const token = await hsToken({ sub: 'alice', roles: ['ops', 'admin'] });
    const res = await call('POST', `/admin/registry/${fn}/disable`, token, { reason: 'incident 42' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: fn, rules: { enabled: false } });
    expect((await registry.get(fn))?.rules.enabled).toBe(false);
    const [last] = await registry.history(fn, { direction: 'backwards', maxCount: 1 });
    expect(last).toMatchObject({ who: 'alice', why: 'incident 42' });
    const shown = await call('GET', `/admin/registry/${fn}/history?limit=1`, token);
    expect(shown.json()).toMatchObject({ changes: [{ who: 'alice', new: { enabled: false } }] });
    expect((await call('POST', `/admin/registry/${fn}/enable`, token)).statusCode).toBe(200);
    expect((await registry.get(fn))?.rules.enabled).toBe(true);
  });

  it('applies weights, shadow and jurisdictions for an admin', async () => {
    const token = await hsToken({ roles: 'admin' });
    expect((await call('PUT', `/admin/registry/${fn}/weights`, token, { weights: { '2.0.0': 10 } })).statusCode).toBe(200);
    expect((await call('PUT', `/admin/registry/${fn}/shadow`, token, { version: '2.0.0' })).statusCode).toBe(200);
    expect((await call('PUT', `/admin/registry/${fn}/jurisdictions`, token, { allow: ['DE', 'FR'], deny: ['US'] })).statusCode).toBe(200);
    const rules = (await registry.get(fn))!.rules;
    expect(rules.weights).toEqual({ '2.0.0': 10 });
    expect(rules.shadow).toBe('2.0.0');
    expect(rules.jurisdictions).toEqual({ allow: ['DE', 'FR'], deny: ['US'] });
    const off = await call('PUT', `/admin/registry/${fn}/shadow`, token, { version: null });
    expect(off.statusCode).toBe(200);
    expect((await registry.get(fn))!.rules.shadow).toBeUndefined();
  });

  it('adds, replaces, removes and clears routes for an admin, with who and why; a malformed route is refused naming the field', async () => {
    const token = await hsToken({ sub: 'alice', roles: ['admin'] });
    const whales = { when: [{ fact: 'notional', gte: 1_000_000 }], requireTags: ['whale'], reason: 'whales to the whale shard' };
    const put = await call('PUT', `/admin/registry/${fn}/routes/whales`, token, whales);
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ rules: { placement: { routes: [{ name: 'whales', when: [{ fact: 'notional', gte: 1_000_000 }], requireTags: ['whale'] }] } } });
    expect((await call('PUT', `/admin/registry/${fn}/routes/small`, token, { avoidTags: ['whale'], mode: 'prefer' })).statusCode).toBe(200);
    await call('PUT', `/admin/registry/${fn}/routes/whales`, token, { ...whales, when: [{ fact: 'notional', gte: 50_000 }] });
    expect((await registry.get(fn))!.rules.placement?.routes?.map((r) => [r.name, r.when?.[0]?.gte])).toEqual([
      ['whales', 50_000],
      ['small', undefined],
    ]);
    const [last] = await registry.history(fn, { direction: 'backwards', maxCount: 1 });
    expect(last).toMatchObject({ who: 'alice', why: 'whales to the whale shard' });
    const bad = await call('PUT', `/admin/registry/${fn}/routes/bad`, token, { when: [{ fact: 'notional', gte: 'lots' }], requireTags: ['whale'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'when[0].gte', message: 'must be a finite number' }] } });
    const removed = await call('DELETE', `/admin/registry/${fn}/routes/whales`, token, { reason: 'whale shard retired' });
    expect(removed.statusCode).toBe(200);
    expect((await call('DELETE', `/admin/registry/${fn}/routes/whales`, token)).statusCode).toBe(404);
    expect((await call('DELETE', `/admin/registry/${fn}/routes`, token)).statusCode).toBe(200);
    expect((await registry.get(fn))!.rules.placement?.routes).toEqual([]);
  });

  it('refuses an incompatible activation unless forced with a reason', async () => {
    const token = await hsToken({ roles: ['admin'] });
    const before = await snapshot();
    const plain = await call('POST', `/admin/registry/${fn}/activate`, token, { version: '3.0.0' });
    expect(plain.statusCode).toBe(409);
    expect(plain.json()).toMatchObject({ code: 'CONTRACT_INCOMPATIBLE' });
    const noReason = await call('POST', `/admin/registry/${fn}/activate`, token, { version: '3.0.0', force: true });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'reason' }] } });
    expect(await snapshot()).toEqual(before);
    const forced = await call('POST', `/admin/registry/${fn}/activate`, token, { version: '3.0.0', force: true, reason: 'new contract agreed' });
    expect(forced.statusCode).toBe(200);
    expect((await registry.get(fn))!.rules.active).toBe('3.0.0');
  });

  it('refuses a body or query that breaks its contract with 400, naming each field and why, and changes nothing', async () => {
    const token = await hsToken({ roles: ['admin'] });
    const before = await snapshot();
    const cases: [method: 'POST' | 'PUT' | 'GET', path: string, body: unknown, issues: { path: string; message: string }[]][] = [
      ['POST', 'activate', { force: 'yes' }, [{ path: 'version', message: 'must be a version string' }, { path: 'force', message: 'must be a boolean' }]],
      ['POST', 'disable', { reason: '  ' }, [{ path: 'reason', message: 'must be a non-empty string' }]],
      ['PUT', 'weights', { weights: [50] }, [{ path: 'weights', message: 'must be an object of version → percent' }]],
      ['PUT', 'shadow', {}, [{ path: 'version', message: 'must be a version string, or null to turn the shadow off' }]],
      ['PUT', 'jurisdictions', { allow: ['DE', 'france'] }, [{ path: 'allow[1]', message: 'must be an ISO 3166 code such as "US" or "DE"' }]],
      ['PUT', 'routes/r1', { requireTags: ['whale'], functions: ['x.*'] }, [{ path: 'functions', message: 'is not a route field (when, requireTags, avoidTags, mode, reason)' }]],
      ['PUT', 'routes/r1', { when: [{ fact: 'notional' }], requireTags: ['whale'] }, [{ path: 'when[0]', message: 'needs a test: gt, gte, lt, lte, equals or in' }]],
      ['GET', 'history?limit=0', undefined, [{ path: 'limit', message: 'must be a positive integer' }]],
    ];
    for (const [method, path, body, issues] of cases) {
      const res = await call(method, `/admin/registry/${fn}/${path}`, token, body);
      expect([path, res.statusCode, res.json()]).toMatchObject([path, 400, { code: 'VALIDATION_FAILED', details: { issues } }]);
    }
    const notJson = await app.getHttpAdapter().getInstance().inject({
      method: 'PUT', url: `/admin/registry/${fn}/weights`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: '"50"',
    });
    expect(notJson.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: '', message: 'the body must be a JSON object' }] } });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 404 FUNCTION_NOT_FOUND for an unknown function', async () => {
    const token = await hsToken({ roles: ['admin'] });
    const res = await call('POST', '/admin/registry/pricing.unknown/disable', token);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'FUNCTION_NOT_FOUND' });
  });
});

describe('registry admin over HTTP (EdDSA public key, custom role claim)', () => {
  it('accepts a token signed by the private half and refuses one without the role', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const registry = new MemoryRegistryStore();
    await new RegistryAdmin(registry).register(fn, { version: '1.0.0', fingerprint: fp('a') }, { who: 'setup', why: 'seed' });
    const app = await startApp(registry, {
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      roleClaim: 'lucent/roles',
      issuer: 'https://idp.example',
    });
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA' }).setSubject('carol').setIssuer('https://idp.example').setExpirationTime('5m').sign(privateKey);
    const inject = (token: string) =>
      app.getHttpAdapter().getInstance().inject({ method: 'POST', url: `/admin/registry/${fn}/disable`, headers: { authorization: `Bearer ${token}` } });
    try {
      expect((await inject(await sign({ roles: ['admin'] }))).statusCode).toBe(403);
      expect((await registry.get(fn))!.rules.enabled).toBe(true);
      expect((await inject(await sign({ 'lucent/roles': ['admin'] }))).statusCode).toBe(200);
      expect((await registry.get(fn))!.rules.enabled).toBe(false);
    } finally {
      await app.close();
      await registry.close();
    }
  });
});
