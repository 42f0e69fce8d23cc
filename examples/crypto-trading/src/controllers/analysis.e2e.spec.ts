// The risk, yield and arbitrage routes over real HTTP on the embedded service: a position's health and yield move with the price, a scan records the best spread.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCryptoService, type CryptoService } from '../app.js';
import { configFromEnv } from '../config.js';
import { arbitrageStream } from '../managers/arbitrageFunctionManager.js';

type Json = Record<string, unknown>;

describe('risk, yield and arbitrage over HTTP (embedded)', () => {
  let service: CryptoService;
  let base: string;
  const http = async (method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as Json, shard: r.headers.get('x-lucent-shard'), version: r.headers.get('x-lucent-version') };
  };

  beforeAll(async () => {
    service = await createCryptoService(configFromEnv({ LUCENT_DATA_DIR: ':memory:', LUCENT_PRICE_CRON: 'off' }), { logs: false });
    await service.app.listen(0, '127.0.0.1');
    base = await service.app.getUrl();
  });

  afterAll(async () => {
    await service?.close();
  });

  async function openPosition(owner: string): Promise<string> {
    const opened = await http('POST', '/positions', { owner, pair: 'ETH-USD' });
    const id = opened.body['positionId'] as string;
    expect((await http('POST', `/positions/${id}/deposit`, { amount: 2, priceUsd: 3_000 })).status).toBe(200);
    expect((await http('POST', `/positions/${id}/borrow`, { amountUsd: 4_000 })).status).toBe(200);
    return id;
  }

  it('GET /positions/:id/risk answers the health factor and liquidation price at the latest price, and follows a price move', async () => {
    const id = await openPosition('risk-alice');
    const before = await http('GET', `/positions/${id}/risk`);
    expect(before.status).toBe(200);
    // 2 ETH · 3,000 · 0.825 / 4,000 = 1.2375; liquidation at 4,000 / (2 · 0.825) = 2,424.24…
    expect(before.body).toMatchObject({ positionId: id, owner: 'risk-alice', collateralAsset: 'ETH', priceUsd: 3_000, debtUsd: 4_000, status: 'safe' });
    expect(before.body['healthFactor']).toBeCloseTo(1.2375, 6);
    expect(before.body['liquidationPriceUsd']).toBeCloseTo(2_424.2424, 3);

    const pushed = await http('POST', '/prices', { asset: 'ETH', priceUsd: 2_550, source: 'desk' });
    expect(pushed.status).toBe(200);
    const after = await http('GET', `/positions/${id}/risk`);
    expect(after.body).toMatchObject({ priceUsd: 2_550, status: 'atRisk' });
    expect(after.body['healthFactor']).toBeCloseTo((2 * 2_550 * 0.825) / 4_000, 6);
  });

  it('GET /yield/positions/:id projects the collateral at its latest price', async () => {
    const id = await openPosition('yield-bob');
    const r = await http('GET', `/yield/positions/${id}`);
    expect(r.status).toBe(200);
    const latest = (await http('GET', '/prices/ETH')).body['priceUsd'] as number;
    expect(r.body).toMatchObject({ positionId: id, owner: 'yield-bob', asset: 'ETH', apr: 0.021, priceUsd: latest, principalUsd: 2 * latest });
    const balances = r.body['balances'] as Record<string, number>;
    expect(balances['365']).toBeCloseTo(2 * latest * Math.exp(0.021), 0);
    expect(balances['30']).toBeGreaterThan(2 * latest);
    expect(r.body['apy']).toBeCloseTo(Math.exp(0.021) - 1, 6);
  });

  it('each answer names where its function calls ran and which versions answered, as a function route does (every call here runs in this process)', async () => {
    const id = await openPosition('headers-carol');
    const direct = await http('POST', '/functions/risk.healthFactor', { collateral: [{ asset: 'ETH', amount: 1, priceUsd: 3_000, liquidationThreshold: 0.825 }], debtUsd: 1_000 });
    expect(direct.shard).toBeTruthy();
    const risk = await http('GET', `/positions/${id}/risk`);
    expect({ shard: risk.shard, version: risk.version }).toEqual({ shard: direct.shard, version: 'risk.healthFactor@1.1.0, risk.liquidationPrice@1.1.0' });
    const yields = await http('GET', `/yield/positions/${id}`);
    expect({ shard: yields.shard, version: yields.version }).toEqual({ shard: direct.shard, version: 'yield.aprToApy@1.0.0, yield.projectedBalance@1.1.0' });
    const quotes = [{ venue: 'a', bid: 100, ask: 101, takerFeeRate: 0.001 }, { venue: 'b', bid: 100, ask: 101, takerFeeRate: 0.001 }];
    const scan = await http('POST', '/arbitrage/scan', { asset: 'SOL', quantity: 1, quotes });
    expect({ shard: scan.shard, version: scan.version }).toEqual({ shard: direct.shard, version: 'arbitrage.crossVenueSpread@1.1.0' });
    // A refusal ran no function: no placement headers.
    expect((await http('GET', '/positions/nope-2/risk')).shard).toBeNull();
  });

  it('unknown positions are 404', async () => {
    expect((await http('GET', '/positions/nope-1/risk')).status).toBe(404);
    expect((await http('GET', '/yield/positions/nope-1')).status).toBe(404);
  });

  it('POST /arbitrage/scan prices every venue pair, answers the profitable ones best first, and records the best with the correlation id', async () => {
    const scan = {
      asset: 'BTC',
      quantity: 2,
      quotes: [
        { venue: 'alpha', bid: 60_000, ask: 60_010, takerFeeRate: 0.001 },
        { venue: 'beta', bid: 60_900, ask: 60_950, takerFeeRate: 0.001 },
        { venue: 'gamma', bid: 60_400, ask: 60_420, takerFeeRate: 0.001 },
      ],
    };
    const r = await http('POST', '/arbitrage/scan', scan, { 'x-correlation-id': 'scan-corr-1' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ asset: 'BTC', quantity: 2, evaluated: 6 });
    const found = r.body['opportunities'] as { buyVenue: string; sellVenue: string; netProfit: number }[];
    expect(found.map((o) => `${o.buyVenue}>${o.sellVenue}`)).toEqual(['alpha>beta', 'gamma>beta', 'alpha>gamma']);
    expect(found.every((o, i) => i === 0 || (found[i - 1]?.netProfit ?? 0) >= o.netProfit)).toBe(true);
    expect(found[0]).toMatchObject({ buyVenue: 'alpha', sellVenue: 'beta' });
    // 2 · 60,900 · 0.999 − 2 · 60,010 · 1.001
    expect(found[0]?.netProfit).toBeCloseTo(2 * 60_900 * 0.999 - 2 * 60_010 * 1.001, 6);
    const [recorded] = await service.infrastructure.events.readStream(arbitrageStream('BTC'), { direction: 'backwards', maxCount: 1 });
    expect(recorded).toMatchObject({ type: 'ArbitrageOpportunityFound', data: { buyVenue: 'alpha', sellVenue: 'beta' } });
    expect(recorded?.metadata).toMatchObject({ correlationId: 'scan-corr-1', service: 'arbitrage' });
    expect(recorded?.globalPosition).toBe(r.body['recordedAt']);
  });

  it('a scan with nothing profitable records nothing; a bad body is a 400 naming the field', async () => {
    const flat = await http('POST', '/arbitrage/scan', {
      asset: 'SOL',
      quantity: 1,
      quotes: [
        { venue: 'a', bid: 100, ask: 101, takerFeeRate: 0.001 },
        { venue: 'b', bid: 100, ask: 101, takerFeeRate: 0.001 },
      ],
    });
    expect(flat.body).toMatchObject({ evaluated: 2, opportunities: [], recordedAt: null });
    expect(await service.infrastructure.events.streamVersion(arbitrageStream('SOL'))).toBe(0);
    const twice = await http('POST', '/arbitrage/scan', { asset: 'SOL', quantity: 1, quotes: [{ venue: 'a', bid: 1, ask: 1, takerFeeRate: 0 }, { venue: 'a', bid: 2, ask: 2, takerFeeRate: 0 }] });
    expect(twice.status).toBe(400);
    expect(JSON.stringify(twice.body)).toContain('quotes.1.venue');
    const extra = await http('POST', '/arbitrage/scan', { asset: 'SOL', quantity: 1, quotes: [], leverage: 10 });
    expect(extra.status).toBe(400);
  });
});
