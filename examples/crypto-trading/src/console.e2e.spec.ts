// The console as the example serves it: read-only and open when embedded; with a secret, tokens, admin sessions and the shards of a gateway.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCryptoService, type CryptoService } from './app.js';
import { configFromEnv } from './config.js';
import { sampleInputs } from './domain/samples.js';

const secret = 'console-example-secret-long-enough-for-hs256';
const bearer = async (claims: Record<string, unknown>): Promise<Record<string, string>> => ({
  authorization: `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(secret))}`,
});

async function get(service: CryptoService, url: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await service.app.inject({ method: 'GET', url, headers });
  return { status: res.statusCode, json: res.json() as Record<string, unknown> };
}

describe('the console of the embedded service (npm start, no auth)', () => {
  let service: CryptoService;
  beforeAll(async () => {
    service = await createCryptoService(configFromEnv({ LUCENT_DATA_DIR: ':memory:', LUCENT_PRICE_CRON: 'off' }), { logs: false });
  });
  afterAll(async () => {
    await service?.close();
  });

  it('is readable without a token, read-only, and shows this process as the one shard with its stores up', async () => {
    expect((await get(service, '/console/api/session')).json).toEqual({ auth: 'off', subject: null, roles: [], admin: false });
    const overview = await get(service, '/console/api/overview');
    expect(overview.json).toMatchObject({
      service: { name: 'crypto-trading', mode: 'embedded' },
      stores: [
        { name: 'eventStore', status: 'up', detail: 'embedded PGlite in memory' },
        { name: 'projections', status: 'up' },
        { name: 'nats', status: 'absent' },
        { name: 'registry', status: 'up' },
      ],
    });
    const cluster = await get(service, '/console/api/cluster');
    expect(cluster.json).toMatchObject({ gateway: null, shards: [{ id: 'local', status: 'healthy' }] });
    expect((cluster.json['shards'] as { versions: string[] }[])[0]?.versions).toContain('risk.healthFactor@1.1.0');
    await service.app.inject({ method: 'POST', url: '/functions/risk.healthFactor', payload: sampleInputs['risk.healthFactor'] as Record<string, unknown> });
    const calls = await get(service, '/console/api/calls?function=risk.healthFactor');
    expect((calls.json['calls'] as unknown[])[0]).toMatchObject({ function: 'risk.healthFactor', version: '1.1.0', shard: 'local', outcome: 'ok' });
  });
});

describe('the console of a gateway with in-process shards and auth on', () => {
  let service: CryptoService;
  beforeAll(async () => {
    service = await createCryptoService(
      configFromEnv({ LUCENT_DATA_DIR: ':memory:', LUCENT_PRICE_CRON: 'off', LUCENT_AUTH_SECRET: secret, LUCENT_IN_PROCESS_SHARDS: 'aave-1:aave,whale-1:whale' }),
      { logs: false },
    );
    await service.topology.cluster?.ready(2, 10_000);
  });
  afterAll(async () => {
    await service?.close();
  });

  it('needs a token, lets a viewer read, makes an admin session where the admin API is mounted, and lists the shards', async () => {
    expect((await get(service, '/console/api/cluster')).status).toBe(401);
    const viewer = await bearer({ sub: 'viewer-1', roles: ['viewer'] });
    const admin = await bearer({ sub: 'ops-1', roles: ['admin'] });
    expect((await get(service, '/console/api/session', viewer)).json).toEqual({ auth: 'on', subject: 'viewer-1', roles: ['viewer'], admin: false });
    expect((await get(service, '/console/api/session', admin)).json).toMatchObject({ admin: true });
    const cluster = await get(service, '/console/api/cluster', viewer);
    expect(cluster.json).toMatchObject({
      gateway: { id: 'gateway' },
      shards: [
        { id: 'aave-1', tags: ['aave'], status: 'healthy', breaker: 'closed' },
        { id: 'whale-1', tags: ['whale'], status: 'healthy', breaker: 'closed' },
      ],
    });
    const reply = await service.app.inject({ method: 'POST', url: '/functions/risk.healthFactor', headers: viewer, payload: sampleInputs['risk.healthFactor'] as Record<string, unknown> });
    expect(reply.statusCode).toBe(200);
    const calls = await get(service, '/console/api/calls?function=risk.healthFactor&limit=1', viewer);
    expect((calls.json['calls'] as unknown[])[0]).toMatchObject({ function: 'risk.healthFactor', shard: reply.headers['x-lucent-shard'], user: 'viewer-1', outcome: 'ok' });
    expect(['aave-1', 'whale-1']).toContain(reply.headers['x-lucent-shard']);
  });
});
