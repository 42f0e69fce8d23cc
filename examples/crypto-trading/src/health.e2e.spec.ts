// /health/ready follows the event store (503 naming it while a private PostgreSQL is stopped, 200 again once it is back) and, on a gateway, NATS and the registry; /health/live never asks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivateNats } from '../../../packages/nats/src/testing/privateNats.js';
import { PrivatePostgres } from '../../../packages/postgres/src/testing/privatePostgres.js';
import { createCryptoService, type CryptoService } from './app.js';
import { configFromEnv } from './config.js';

let pg: PrivatePostgres;
let service: CryptoService;

beforeAll(async () => {
  pg = await PrivatePostgres.create();
  service = await createCryptoService(configFromEnv({ LUCENT_PG_URL: pg.url, LUCENT_PRICE_CRON: 'off' }), { logs: false });
}, 120_000);

afterAll(async () => {
  await service?.close().catch(() => undefined);
  await pg?.destroy();
});

const get = async (url: string) => {
  const res = await service.app.inject({ method: 'GET', url });
  return { status: res.statusCode, json: res.json() as Record<string, unknown> };
};

describe('health', () => {
  it('is ready while PostgreSQL answers, 503 naming the event store while it is down, ready again after', async () => {
    expect(await get('/health/ready')).toMatchObject({ status: 200, json: { status: 'ok', info: { eventStore: { status: 'up' }, projections: { status: 'up' } } } });
    await pg.stop();
    const down = await get('/health/ready');
    expect(down).toMatchObject({ status: 503, json: { code: 'UNAVAILABLE', details: { error: { eventStore: { status: 'down' } } } } });
    expect((await get('/health/live')).status).toBe(200);
    await pg.start();
    let again = await get('/health/ready');
    for (let i = 0; i < 50 && again.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      again = await get('/health/ready');
    }
    expect(again.status).toBe(200);
  }, 60_000);

  it('on a gateway, is ready while NATS answers, 503 naming the transport and the registry while it is down, ready again after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lucent-health-nats-'));
    const nats = await PrivateNats.create(['-js', '-sd', dir]);
    const gateway = await createCryptoService(configFromEnv({ LUCENT_DATA_DIR: ':memory:', LUCENT_PRICE_CRON: 'off', LUCENT_NATS_URL: nats.url, LUCENT_NATS_PREFIX: 'lucent-health' }), { logs: false });
    try {
      const ready = async () => {
        const res = await gateway.app.inject({ method: 'GET', url: '/health/ready' });
        return { status: res.statusCode, json: res.json() as Record<string, unknown> };
      };
      expect(await ready()).toMatchObject({ status: 200, json: { info: { eventStore: { status: 'up' }, transport: { status: 'up' }, registry: { status: 'up' } } } });
      await nats.stop();
      expect(await ready()).toMatchObject({ status: 503, json: { details: { error: { transport: { status: 'down' }, registry: { status: 'down' } } } } });
      await nats.start();
      let again = await ready();
      for (let i = 0; i < 75 && again.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        again = await ready();
      }
      expect(again.status).toBe(200);
    } finally {
      await gateway.close().catch(() => undefined);
      await nats.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
