// POST /orders over real HTTP on the embedded service: an accepted order with its event and where it ran, refusals naming the field or the rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCryptoService, type CryptoService } from '../app.js';
import { configFromEnv } from '../config.js';

describe('POST /orders (embedded)', () => {
  let service: CryptoService;
  let base: string;
  const order = { orderId: 'o-e2e-1', account: 'alice', pair: 'BTC-USD', side: 'buy', quantity: 50, limitPrice: 60_000 };
  const post = async (body: unknown) => {
    const r = await fetch(`${base}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, shard: r.headers.get('x-lucent-shard'), version: r.headers.get('x-lucent-version'), body: (await r.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    service = await createCryptoService(configFromEnv({ LUCENT_DATA_DIR: ':memory:', LUCENT_PRICE_CRON: 'off' }), { logs: false });
    await service.app.listen(0, '127.0.0.1');
    base = await service.app.getUrl();
  });

  afterAll(async () => {
    await service?.close();
  });

  it('accepts a limit order with its notional and OrderAccepted, naming where and what ran', async () => {
    const r = await post(order);
    expect(r.status).toBe(201);
    expect(r.body['output']).toMatchObject({ ...order, base: 'BTC', quote: 'USD', notional: 3_000_000, status: 'accepted' });
    expect(r.body['events']).toEqual([expect.objectContaining({ type: 'OrderAccepted' })]);
    expect(r.version).toBe('1.0.0');
    expect(r.shard).toBeTruthy();
  });

  it('refuses a malformed order with 400 naming the field, and a pair against itself with 422 RULE_VIOLATED', async () => {
    const bad = await post({ ...order, quantity: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [expect.objectContaining({ path: 'quantity' })] } });
    const same = await post({ ...order, pair: 'ETH-ETH' });
    expect(same.status).toBe(422);
    expect(same.body).toMatchObject({ code: 'RULE_VIOLATED' });
  });
});
