// With auth on: a position's risk and yield are its owner's (or support's) to read, and the caller's verified identity reaches the functions and the events through the service classes' scopes.
import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCryptoService, type CryptoService } from '../app.js';
import { configFromEnv } from '../config.js';
import { arbitrageStream } from '../managers/arbitrageFunctionManager.js';

const secret = 'analysis-spec-secret-that-is-long-enough';
const key = new TextEncoder().encode(secret);

function token(sub: string, claims: JWTPayload & { roles?: string[] } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub, iat: now, exp: now + 3600, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(key);
}

describe('risk, yield and arbitrage with auth on', () => {
  let service: CryptoService;
  let base: string;
  let alice: string;
  let bob: string;
  let operator: string;
  const http = async (method: 'GET' | 'POST', path: string, bearer: string, body?: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    service = await createCryptoService(configFromEnv({ LUCENT_DATA_DIR: ':memory:', LUCENT_PRICE_CRON: 'off', LUCENT_AUTH_SECRET: secret }), { logs: false });
    await service.app.listen(0, '127.0.0.1');
    base = await service.app.getUrl();
    alice = await token('alice', { jurisdiction: 'DE' });
    bob = await token('bob');
    operator = await token('olga', { roles: ['operator'] });
  });

  afterAll(async () => {
    await service?.close();
  });

  it("refuses another user's position risk and yield (403), serves the owner and an operator", async () => {
    const opened = await http('POST', '/positions', alice, { pair: 'ETH-USD' }, { 'x-correlation-id': 'open-corr-1' });
    expect(opened.status).toBe(201);
    const id = opened.body['positionId'] as string;
    expect((await http('POST', `/positions/${id}/deposit`, alice, { amount: 1, priceUsd: 3_000 })).status).toBe(200);
    for (const path of [`/positions/${id}/risk`, `/yield/positions/${id}`]) {
      expect((await http('GET', path, bob)).status).toBe(403);
      expect((await http('GET', path, alice)).body).toMatchObject({ positionId: id, owner: 'alice' });
      expect((await http('GET', path, operator)).status).toBe(200);
    }
    // The portfolio service ran the command in alice's scope: her id and the request's correlation id are on the event.
    const [openedEvent] = await service.infrastructure.events.readStream(`position-${id}`, { maxCount: 1 });
    expect(openedEvent?.metadata).toMatchObject({ userId: 'alice', correlationId: 'open-corr-1' });
  });

  it("records a scan's best spread with the caller's verified user and jurisdiction", async () => {
    const r = await http('POST', '/arbitrage/scan', alice, {
      asset: 'ETH',
      quantity: 1,
      quotes: [
        { venue: 'left', bid: 3_000, ask: 3_001, takerFeeRate: 0 },
        { venue: 'right', bid: 3_100, ask: 3_101, takerFeeRate: 0 },
      ],
    });
    expect(r.status).toBe(200);
    const [recorded] = await service.infrastructure.events.readStream(arbitrageStream('ETH'));
    expect(recorded?.metadata).toMatchObject({ userId: 'alice', jurisdiction: 'DE', service: 'arbitrage' });
  });
});
