// The whole service over HTTP: Aave deposits confirmed or timed out, the chain callback's contract, liquidation alerts and yield projections.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCryptoService, type CryptoService } from './app.js';
import { configFromEnv } from './config.js';
import { confirmationKey } from './domain/sagas/aaveDepositSaga.js';
import { FakeAaveBoundary } from './managers/aave-deposit-manager.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const tag = randomBytes(4).toString('hex');
const schema = `lucent_svc_${tag}`;
const redisPrefix = `lucent:test:svc:${tag}:`;

// A short default confirmation timeout (the saga's own is 10 minutes), a cron every second, and a
// liquidation threshold at which a borrow within the 75 % loan-to-value limit can fall under HF 1.1.
const common = { LUCENT_DEPOSIT_TIMEOUT_MS: '1500', LUCENT_YIELD_CRON: '* * * * * *', LUCENT_LIQUIDATION_THRESHOLD: '0.8' };
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
    const chain = new FakeAaveBoundary({ startingBalance: 10_000 });
    const call = async (method: 'GET' | 'POST', url: string, payload?: unknown, headers?: Record<string, string>) => {
      const r = await service.app.inject({ method, url, payload: payload as string | object | undefined, headers });
      return { status: r.statusCode, body: r.json() as Json };
    };
    const deposit = (key: string, body: Json) => call('POST', '/deposits', body, { 'idempotency-key': key });
    const depositStatus = async (id: string) => (await call('GET', `/deposits/${id}`)).body;

    beforeAll(async () => {
      service = await createCryptoService(configFromEnv(env), { logs: false, boundary: chain });
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

      const view = await until(() => depositStatus(depositId), (v) => v['status'] !== 'running');
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

    it('raises a liquidation alert once a borrow drives the health factor under 1.1, and the cron job projects its yield', async () => {
      const owner = `dana-${tag}`;
      const opened = await call('POST', '/positions', { owner, pair: 'ETH-USD' });
      const id = opened.body['positionId'] as string;
      await call('POST', `/positions/${id}/deposit`, { amount: 2, priceUsd: 3_000 });
      // HF = 6,000 · 0.8 / 4,000 = 1.2: safe.
      await call('POST', `/positions/${id}/borrow`, { amountUsd: 4_000 });
      expect((await call('GET', `/positions/${id}/alerts`)).body).toMatchObject({ alertRaised: false, alerts: [] });
      // HF = 4,800 / 4,500 = 1.067.
      expect((await call('POST', `/positions/${id}/borrow`, { amountUsd: 500 })).status).toBe(200);
      const alerts = await until(
        async () => (await call('GET', `/positions/${id}/alerts`)).body,
        (b) => (b['alerts'] as unknown[]).length > 0,
      );
      expect(alerts).toMatchObject({ positionId: id, alertRaised: true, alerts: [{ type: 'LiquidationAlertRaised', positionId: id }] });
      expect((alerts['alerts'] as { healthFactor: number }[])[0]?.healthFactor).toBeCloseTo(4_800 / 4_500, 10);
      expect((await call('GET', '/positions/nothing-here/alerts')).status).toBe(404);

      const projection = await until(
        () => call('GET', `/yield-projections/${id}`),
        (r) => r.status === 200,
      );
      expect(projection.body).toMatchObject({ positionId: id, owner, principalUsd: 6_000, apr: 0.021 });
      const all = await call('GET', '/yield-projections');
      expect((all.body['projections'] as { positionId: string }[]).map((p) => p.positionId)).toContain(id);
    }, 60_000);
  });
}
