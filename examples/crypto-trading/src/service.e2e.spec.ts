// The whole service over HTTP: Aave deposits confirmed or timed out, the chain callback's contract, prices, liquidation alerts and yield projections.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCryptoService, type CryptoService } from './app.js';
import { configFromEnv } from './config.js';
import { confirmationKey } from './domain/sagas/aaveDepositSaga.js';
import { SimulatedAaveBoundary } from './ports/simulatedAaveBoundary.js';
import { SimulatedExchangeFeed } from './ports/simulatedExchangeFeed.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const tag = randomBytes(4).toString('hex');
const schema = `lucent_svc_${tag}`;
const redisPrefix = `lucent:test:svc:${tag}:`;

// A short default confirmation timeout (the saga's own is 10 minutes), a yield cron every second, and
// no price poll on a timer: the tests push prices, and poll the fake exchange when they choose to.
const common = { LUCENT_DEPOSIT_TIMEOUT_MS: '1500', LUCENT_YIELD_CRON: '* * * * * *', LUCENT_PRICE_CRON: 'off' };
const setups: Record<string, NodeJS.ProcessEnv> = {
  'embedded defaults (one in-memory PGlite, in-memory read models)': { ...common, LUCENT_DATA_DIR: ':memory:' },
  'real servers (PostgreSQL + Redis)': {
    ...common,
    LUCENT_PG_URL: PG_URL,
    LUCENT_REDIS_URL: 'redis://127.0.0.1:6379',
    LUCENT_PG_SCHEMA: schema,
    LUCENT_REDIS_PREFIX: redisPrefix,
  },
};

afterAll(async () => {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
  const r = new Redis({ host: '127.0.0.1', port: 6379 });
  const keys = await r.keys(`${redisPrefix}*`);
  if (keys.length > 0) await r.unlink(...keys);
  await r.quit();
});

/** Poll `probe` until it returns a value `done` accepts; generous deadlines for a loaded machine. */
async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Json = Record<string, unknown>;
const issuePaths = (body: Json): string[] => ((body['details'] as { issues?: { path: string }[] } | undefined)?.issues ?? []).map((i) => i.path);

for (const [name, env] of Object.entries(setups)) {
  describe(`the service over HTTP: ${name}`, () => {
    let service: CryptoService;
    const chain = new SimulatedAaveBoundary({ startingBalance: 10_000 });
    // Quotes BTC only: a poll shows one asset failing at the exchange while the other is recorded.
    const exchange = new SimulatedExchangeFeed({ prices: { BTC: 60_000 } });
    const call = async (method: 'GET' | 'POST', url: string, payload?: unknown, headers?: Record<string, string>) => {
      const r = await service.app.inject({ method, url, payload: payload as string | object | undefined, headers });
      return { status: r.statusCode, body: r.json() as Json };
    };
    const deposit = (key: string, body: Json) => call('POST', '/deposits', body, { 'idempotency-key': key });
    const depositStatus = async (id: string) => (await call('GET', `/deposits/${id}`)).body;

    beforeAll(async () => {
      service = await createCryptoService(configFromEnv(env), { logs: false, boundary: chain, priceFeed: exchange });
    });

    afterAll(async () => {
      await service?.close();
    });

    it('a deposit confirmed through the callback endpoint completes and records a position', async () => {
      const account = `acct-ok-${tag}`;
      const request = { account, asset: 'USDC', amount: 1_200, confirmations: 3, timeoutMs: 300_000 };
      const started = await deposit(`key-ok-${tag}`, request);
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ created: true, status: 'running', phase: 'confirming', txHash: expect.stringMatching(/^0x/) });
      const { depositId, txHash } = started.body as { depositId: string; txHash: string };
      expect(chain.balance(account, 'USDC')).toBe(8_800);

      // A retry with the same key starts nothing; the same key for another request is refused.
      expect((await deposit(`key-ok-${tag}`, request)).body).toMatchObject({ depositId, created: false });
      const reused = await deposit(`key-ok-${tag}`, { ...request, amount: 9 });
      expect(reused.status).toBe(409);
      expect(reused.body['code']).toBe('CONFLICT');

      const confirmed = await call('POST', '/callbacks/chain/confirmations', { txHash, confirmations: 3 });
      expect(confirmed).toEqual({ status: 202, body: { status: 'matched', duplicate: false } });

      const view = await until(() => depositStatus(depositId), (v) => v['status'] !== 'running');
      expect(view).toMatchObject({ id: depositId, type: 'aave.deposit', status: 'completed', state: { phase: 'done', confirmations: 3, txHash } });
      // The history is every decision the saga recorded, the confirmation among them.
      const history = view['history'] as { type: string; data: { trigger?: { type: string } } }[];
      expect(history[0]?.type).toBe('SagaStarted');
      expect(history.map((h) => h.data.trigger?.type)).toContain('WaitMatched');
      const recorded = await call('GET', `/accounts/${account}/aave-deposits`);
      expect(recorded.body).toEqual([{ depositId, account, asset: 'USDC', amount: 1_200, txHash, recordedAt: expect.any(Number) }]);
      expect(chain.balance(account, 'USDC')).toBe(8_800);
    }, 60_000);

    it('a deposit with no confirmation within the configured timeout compensates; a late one is recorded, not applied', async () => {
      const account = `acct-late-${tag}`;
      const started = await deposit(`key-late-${tag}`, { account, asset: 'USDC', amount: 2_500, confirmations: 3 });
      expect(started.status).toBe(202);
      const { depositId, txHash } = started.body as { depositId: string; txHash: string };
      // No timeout in the request: the service's configured default applies.
      expect((await depositStatus(depositId))['state']).toMatchObject({ input: { timeoutMs: 1_500 } });

      const view = await until(() => depositStatus(depositId), (v) => !['running', 'compensating'].includes(v['status'] as string));
      expect(view).toMatchObject({ status: 'compensated', failure: 'no 3 confirmations within 1500 ms' });
      expect(chain.balance(account, 'USDC')).toBe(10_000);
      expect(chain.transactions.get(txHash)).toEqual({ cancelled: true });

      const late = await call('POST', '/callbacks/chain/confirmations', { txHash, confirmations: 3 });
      expect(late.body).toMatchObject({ status: 'late' });
      expect((await depositStatus(depositId))['status']).toBe('compensated');
      expect((await call('GET', `/accounts/${account}/aave-deposits`)).body).toEqual([]);
    }, 60_000);

    it('a malformed callback is a 400 naming the field, and nothing is stored', async () => {
      const started = await deposit(`key-bad-${tag}`, { account: `acct-bad-${tag}`, asset: 'USDC', amount: 10, confirmations: 3, timeoutMs: 300_000 });
      const { depositId, txHash } = started.body as { depositId: string; txHash: string };
      const cases: [unknown, string][] = [
        [{ txHash, confirmations: 'three' }, 'confirmations'],
        [{ txHash, confirmations: -1 }, 'confirmations'],
        [{ confirmations: 3 }, 'txHash'],
        [{ txHash: 'not a hash', confirmations: 3 }, 'txHash'],
      ];
      for (const [payload, field] of cases) {
        const r = await call('POST', '/callbacks/chain/confirmations', payload);
        expect({ status: r.status, code: r.body['code'] }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
        expect(issuePaths(r.body)).toContain(field);
      }
      expect(await service.infrastructure.timers.arrivals(confirmationKey(txHash))).toEqual([]);
      expect(await depositStatus(depositId)).toMatchObject({ status: 'running', state: { phase: 'confirming' } });

      // The deposit request itself: the idempotency header and the body are checked before anything starts.
      const noKey = await call('POST', '/deposits', { account: 'x', asset: 'USDC', amount: 1 });
      expect(noKey.status).toBe(400);
      expect(issuePaths(noKey.body)).toContain('idempotency-key');
      const badBody = await deposit(`key-bad-body-${tag}`, { account: `acct-bad-${tag}`, asset: 'USDC', amount: 'lots' });
      expect(badBody.status).toBe(400);
      expect(issuePaths(badBody.body)).toContain('amount');
      expect((await call('GET', '/deposits/never-started')).status).toBe(404);
    }, 60_000);

    it('at the default settings, a lower ETH price pushed over HTTP raises a liquidation alert, and the cron job projects its yield', async () => {
      const owner = `dana-${tag}`;
      const opened = await call('POST', '/positions', { owner, pair: 'ETH-USD' });
      const id = opened.body['positionId'] as string;
      await call('POST', `/positions/${id}/deposit`, { amount: 2, priceUsd: 3_000 });
      // The most the decider lends (75%): HF = 6,000 · 0.825 / 4,500 = 1.1, not below it.
      const borrowed = await call('POST', `/positions/${id}/borrow`, { amountUsd: 4_500 });
      expect(borrowed.status).toBe(200);
      await service.infrastructure.scheduler.triggersCaughtUp(borrowed.body['position'] as number, 20_000);
      const safe = (await call('GET', `/positions/${id}/alerts`)).body;
      expect(safe).toMatchObject({ alertRaised: false, collateralAsset: 'ETH', priceUsd: 3_000, alerts: [] });
      expect(safe['healthFactor']).toBeCloseTo(1.1, 10);

      // ETH falls to 2,500: HF = 2 · 2,500 · 0.825 / 4,500 = 0.917.
      const pushed = await call('POST', '/prices', { asset: 'ETH', priceUsd: 2_500, source: 'operator' });
      expect(pushed).toMatchObject({ status: 200, body: { asset: 'ETH', recorded: true, latest: { priceUsd: 2_500, source: 'operator' } } });
      const alerts = await until(
        async () => (await call('GET', `/positions/${id}/alerts`)).body,
        (b) => (b['alerts'] as unknown[]).length > 0,
      );
      expect(alerts).toMatchObject({ positionId: id, alertRaised: true, priceUsd: 2_500, alerts: [{ type: 'LiquidationAlertRaised', positionId: id, priceUsd: 2_500 }] });
      expect((alerts['alerts'] as { healthFactor: number }[])[0]?.healthFactor).toBeCloseTo((2 * 2_500 * 0.825) / 4_500, 10);
      expect((await call('GET', '/positions/nothing-here/alerts')).status).toBe(404);

      const projection = await until(
        () => call('GET', `/yield-projections/${id}`),
        (r) => r.status === 200,
      );
      expect(projection.body).toMatchObject({ positionId: id, owner, principalUsd: 6_000, apr: 0.021 });
      const all = await call('GET', '/yield-projections');
      expect((all.body['projections'] as { positionId: string }[]).map((p) => p.positionId)).toContain(id);
    }, 60_000);

    it('a malformed price is a 400 naming the field and stores nothing; a refused quote is a 422; the exchange poll records what it can', async () => {
      const before = await service.infrastructure.events.streamVersion('prices-ETH');
      const cases: [unknown, string][] = [
        [{ asset: 'ETH', priceUsd: -2_500 }, 'priceUsd'],
        [{ asset: 'ETH', priceUsd: 'cheap' }, 'priceUsd'],
        [{ priceUsd: 2_500 }, 'asset'],
        [{ asset: 'ETH', priceUsd: 2_500, observedAt: 'yesterday' }, 'observedAt'],
      ];
      for (const [payload, field] of cases) {
        const r = await call('POST', '/prices', payload);
        expect({ status: r.status, code: r.body['code'] }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
        expect(issuePaths(r.body)).toContain(field);
      }
      expect(await service.infrastructure.events.streamVersion('prices-ETH')).toBe(before);

      // Quotes the decider refuses: a first DOGE price, then a 90% jump, then one older than the last.
      const first = await call('POST', '/prices', { asset: 'DOGE', priceUsd: 0.1, observedAt: Date.now() - 60_000 });
      expect(first.body).toMatchObject({ recorded: true, latest: { version: 1 } });
      const jump = await call('POST', '/prices', { asset: 'DOGE', priceUsd: 1 });
      expect({ status: jump.status, code: jump.body['code'], rule: (jump.body['details'] as Json)['rule'] }).toEqual({
        status: 422,
        code: 'RULE_VIOLATED',
        rule: 'price.circuitBreaker',
      });
      const stale = await call('POST', '/prices', { asset: 'DOGE', priceUsd: 0.1, observedAt: Date.now() - 120_000 });
      expect((stale.body['details'] as Json)['rule']).toBe('price.stale');
      expect((await call('GET', '/prices/DOGE')).body).toMatchObject({ asset: 'DOGE', priceUsd: 0.1, version: 1 });
      expect((await call('GET', '/prices/NOPE')).status).toBe(404);

      // The exchange quotes no ETH (refused, logged) but records BTC.
      const outcomes = await service.prices.pollOnce();
      expect(outcomes).toEqual([
        { asset: 'ETH', refused: 'UNAVAILABLE', message: expect.any(String) },
        { asset: 'BTC', recorded: true },
      ]);
      expect((await call('GET', '/prices/BTC')).body).toMatchObject({ asset: 'BTC', priceUsd: 60_000, source: 'simulated-exchange' });
    }, 60_000);
  });
}
