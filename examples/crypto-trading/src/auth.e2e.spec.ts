// With LUCENT_AUTH_SECRET set: every route but the docs needs a valid token, owners come from the token, roles gate prices and callbacks.
import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createCryptoService } from './app.js';
import { configFromEnv } from './config.js';

const secret = 'auth-spec-secret-that-is-long-enough-32';
const service = await createCryptoService(
  configFromEnv({ LUCENT_DATA_DIR: ':memory:', LUCENT_PRICE_CRON: 'off', LUCENT_AUTH_SECRET: secret, LUCENT_AUTH_MAX_LIFETIME_SEC: '7200' }),
  { logs: false },
);
afterAll(() => service.close());

const key = new TextEncoder().encode(secret);
const nowSec = (): number => Math.floor(Date.now() / 1000);

/** A token as an identity provider would issue it; `claims` overrides or removes (undefined) any claim. */
function token(sub: string, claims: JWTPayload & { roles?: string[] } = {}): Promise<string> {
  const payload: JWTPayload = { sub, iat: nowSec(), exp: nowSec() + 3600, ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(key);
}

async function call(method: 'GET' | 'POST', url: string, bearer: string | undefined, body?: unknown, headers: Record<string, string> = {}) {
  const res = await service.app.inject({
    method,
    url,
    headers: { ...headers, ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }) },
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  });
  const json = res.headers['content-type']?.toString().startsWith('application/json') ? (res.json() as Record<string, unknown>) : {};
  return { status: res.statusCode, json };
}

const head = async (): Promise<number> => {
  const all = await service.infrastructure.events.readAll({ after: 0, maxCount: 100_000 });
  return all.length === 0 ? 0 : all[all.length - 1]!.globalPosition;
};

const alice = await token('alice');
const bob = await token('bob');
const operator = await token('olga', { roles: ['operator'] });
const chain = await token('indexer', { roles: ['chain'] });

describe('auth on: who may call what', () => {
  it('answers 401 without a token on every route of the OpenAPI document except the public ones (docs, health, metrics, the console page)', async () => {
    const doc = (await call('GET', '/openapi.json', undefined)).json as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const before = await head();
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([m, op]) => [m.toUpperCase() as 'GET' | 'POST', path, op.security === undefined] as const),
    );
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter(([, , open]) => open).map(([m, p]) => `${m} ${p}`).sort()).toEqual([
      'GET /console',
      'GET /console/assets/{file}',
      'GET /console/{file}',
      'GET /docs',
      'GET /docs/{asset}',
      'GET /health/live',
      'GET /health/ready',
      'GET /metrics',
      'GET /openapi.json',
    ]);
    for (const [method, path, open] of routes) {
      const url = path.replace(/\{[^}]+\}/g, 'p1');
      const res = await call(method, url, undefined, method === 'POST' ? { owner: 'victim', account: 'victim' } : undefined);
      // The console's page is public (it signs in from there); 503 names the build step when it is not built. Its API is not.
      const page = path === '/console' || path === '/console/{file}';
      if (page) expect([path, [200, 503].includes(res.status)]).toEqual([path, true]);
      else if (open) expect([path, res.status]).toEqual([path, path === '/docs/{asset}' ? 400 : path === '/console/assets/{file}' ? 404 : 200]);
      else expect([method, path, res.status, res.json['code']]).toEqual([method, path, 401, 'UNAUTHORIZED']);
    }
    expect(await head()).toBe(before);
  });

  it('refuses tokens without exp, expired, issued in the future, living too long, or signed with another key', async () => {
    const refusals: [string, Promise<string>][] = [
      ['missing-exp', token('alice', { exp: undefined })],
      ['expired', token('alice', { iat: nowSec() - 7200, exp: nowSec() - 60 })],
      ['issued-in-future', token('alice', { iat: nowSec() + 365 * 86_400, exp: nowSec() + 365 * 86_400 + 60 })],
      ['lifetime-too-long', token('alice', { exp: nowSec() + 30 * 86_400 })],
      ['ERR_JWS_SIGNATURE_VERIFICATION_FAILED', new SignJWT({ sub: 'alice', exp: nowSec() + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(40)))],
    ];
    for (const [reason, pending] of refusals) {
      const res = await call('GET', '/portfolios/alice', await pending);
      expect([reason, res.status, (res.json['details'] as { reason?: string } | undefined)?.reason]).toEqual([reason, 401, reason]);
    }
  });

  it('takes the owner from the token: a body owner or account that differs is a 403 and writes nothing', async () => {
    const before = await head();
    const own = await call('POST', '/positions', bob, { owner: 'victim', pair: 'ETH-USD' });
    expect([own.status, own.json['code']]).toEqual([403, 'FORBIDDEN']);
    const deposit = await call('POST', '/deposits', bob, { account: 'victim', asset: 'USDC', amount: 10 }, { 'idempotency-key': 'k-victim' });
    expect([deposit.status, deposit.json['code']]).toEqual([403, 'FORBIDDEN']);
    expect(await head()).toBe(before);

    const opened = await call('POST', '/positions', alice, { positionId: 'pa', pair: 'ETH-USD' });
    expect(opened.status).toBe(201);
    const portfolio = await call('GET', '/portfolios/alice', alice);
    expect([portfolio.status, portfolio.json['owner']]).toEqual([200, 'alice']);
  });

  it("refuses another user's position, portfolio and deposits (403), and lets an operator read them", async () => {
    await call('POST', '/positions', alice, { positionId: 'pa2', pair: 'ETH-USD' });
    const before = await head();
    for (const [method, url, body] of [
      ['POST', '/positions/pa2/deposit', { amount: 1, priceUsd: 3000 }],
      ['POST', '/positions/pa2/borrow', { amountUsd: 1 }],
      ['POST', '/positions/pa2/close', undefined],
      ['GET', '/positions/pa2/alerts', undefined],
      ['GET', '/portfolios/alice', undefined],
      ['GET', '/accounts/alice/aave-deposits', undefined],
    ] as const) {
      const res = await call(method, url, bob, body);
      expect([url, res.status, res.json['code']]).toEqual([url, 403, 'FORBIDDEN']);
    }
    expect(await head()).toBe(before);
    const started = await call('POST', '/deposits', alice, { asset: 'USDC', amount: 10 }, { 'idempotency-key': 'k-alice' });
    expect(started.status).toBe(202);
    const depositId = started.json['depositId'] as string;
    expect((await call('GET', `/deposits/${depositId}`, bob)).status).toBe(403);
    expect((await call('GET', `/deposits/${depositId}`, alice)).status).toBe(200);
    expect((await call('GET', '/portfolios/alice', operator)).status).toBe(200);
    expect((await call('GET', '/positions/pa2/alerts', operator)).status).toBe(200);
  });

  it('lets only an operator push prices and only the chain role post confirmations', async () => {
    const quote = { asset: 'ETH', priceUsd: 3000 };
    expect((await call('POST', '/prices', alice, quote)).status).toBe(403);
    expect((await call('POST', '/prices', operator, quote)).status).toBe(200);
    const confirmation = { txHash: '0x1234567890', confirmations: 1 };
    expect((await call('POST', '/callbacks/chain/confirmations', alice, confirmation)).status).toBe(403);
    expect((await call('POST', '/callbacks/chain/confirmations', operator, confirmation)).status).toBe(403);
    expect((await call('POST', '/callbacks/chain/confirmations', chain, confirmation)).status).toBe(202);
    expect((await call('GET', '/prices/ETH', alice)).status).toBe(200);
  });
});
