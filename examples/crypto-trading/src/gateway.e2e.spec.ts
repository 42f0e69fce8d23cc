// The service as a gateway over real NATS, PostgreSQL and Redis: `lucent shard` processes answer, the registry places, splits and refuses.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectVersion } from '@lucent/core';
import { run } from './demo/cluster.js';
import { tokenFor } from './demo/http.js';
import { drive, natsUrl, startGatewayCluster, type GatewayCluster } from './gatewayCluster.js';
import { headerOf, postBytes, RawHttpConnection } from './testing/rawHttpConnection.js';

const audit = { who: 'gateway-spec', why: 'must-show' };
const admin = { sub: 'ops', roles: ['admin'] };
const triangle = { rates: [{ from: 'USDT', to: 'ETH', rate: 0.0005 }, { from: 'ETH', to: 'BTC', rate: 0.05 }, { from: 'BTC', to: 'USDT', rate: 41_000 }], startCurrency: 'USDT' };
const collateral = { collateral: [{ asset: 'ETH', amount: 10, priceUsd: 3_000, liquidationThreshold: 0.825 }], debtUsd: 15_000 };
const arbitrageV2 = fileURLToPath(new URL('./demo/bundles/arbitrageV2.ts', import.meta.url));

describe('the crypto service as a gateway to shard processes', () => {
  let cluster: GatewayCluster;

  beforeAll(async () => {
    cluster = await startGatewayCluster({ 'whale-1': ['whale'], 'aave-1': ['aave'], 'general-1': ['general', 'arbitrage'] });
  }, 180_000);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  it('lists the shard processes in the console, with tags, health, versions and breakers, for any signed-in reader', async () => {
    const r = await cluster.call('GET', '/console/api/cluster', { sub: 'viewer' });
    expect(r.status).toBe(200);
    expect(r.body['gateway']).toMatchObject({ id: 'gateway' });
    const shards = r.body['shards'] as { id: string; tags: string[]; status: string; breaker: string; versions: string[] }[];
    expect(shards.map((s) => s.id).sort()).toEqual(['aave-1', 'general-1', 'whale-1']);
    expect(shards.find((s) => s.id === 'general-1')).toMatchObject({ tags: ['general', 'arbitrage'], status: 'healthy', breaker: 'closed' });
    expect(shards.find((s) => s.id === 'aave-1')?.versions).toContain('risk.healthFactor@1.1.0');
  });

  it('says where each call ran: an Aave call answers from the aave shard once the registry places it there, and follows a placement change', async () => {
    await cluster.admin().placement('risk.healthFactor', { requireTags: ['aave'] }, audit);
    await cluster.service.topology.registry.get('risk.healthFactor');
    const until = Date.now() + 10_000;
    let reply = await cluster.call('POST', '/functions/risk.healthFactor', { sub: 'alice' }, collateral);
    while (reply.shard !== 'aave-1' && Date.now() < until) reply = await cluster.call('POST', '/functions/risk.healthFactor', { sub: 'alice' }, collateral);
    expect(reply.status).toBe(200);
    expect(reply.shard).toBe('aave-1');
    expect(reply.version).toBe('1.1.0');
    const twenty = await Promise.all(Array.from({ length: 20 }, () => cluster.call('POST', '/functions/risk.healthFactor', { sub: 'alice' }, collateral)));
    expect(new Set(twenty.map((r) => r.shard))).toEqual(new Set(['aave-1']));

    // The operator moves it: the next calls follow the new rule.
    await cluster.admin().placement('risk.healthFactor', { requireTags: ['whale'] }, audit);
    let moved = await cluster.call('POST', '/functions/risk.healthFactor', { sub: 'alice' }, collateral);
    while (moved.shard !== 'whale-1' && Date.now() < until + 10_000) moved = await cluster.call('POST', '/functions/risk.healthFactor', { sub: 'alice' }, collateral);
    expect(moved.shard).toBe('whale-1');
    const after = await Promise.all(Array.from({ length: 20 }, () => cluster.call('POST', '/functions/risk.healthFactor', { sub: 'alice' }, collateral)));
    expect(new Set(after.map((r) => r.shard))).toEqual(new Set(['whale-1']));
  }, 60_000);

  it('sends a whale order to the whale shard; after `lucent registry route` moves the threshold, the next order follows the new rule', async () => {
    const route = async (...args: string[]): Promise<void> => {
      const r = await run(['registry', 'route', 'trading.placeOrder', ...args, '--nats', natsUrl, '--prefix', cluster.prefix, '--reason', 'gateway spec']);
      expect(r.code, r.out).toBe(0);
    };
    await route('--name', 'whales', '--when', 'notional>=1000000', '--require-tags', 'whale');
    await route('--name', 'retail', '--when', 'notional<1000000', '--avoid-tags', 'whale');
    const order = (n: number, quantity: number) => ({ orderId: `o-${n}-${Date.now()}`, account: 'alice', pair: 'BTC-USD', side: 'buy', quantity, limitPrice: 50_000 });
    const place = (n: number, quantity: number) => cluster.call('POST', '/functions/trading.placeOrder', { sub: 'alice' }, order(n, quantity));
    // The gateway follows the registry within milliseconds; poll briefly until the rule has arrived.
    const settle = async (quantity: number, shard: string) => {
      const until = Date.now() + 10_000;
      let r = await place(0, quantity);
      while (r.shard !== shard && Date.now() < until) r = await place(0, quantity);
      return r;
    };
    const whale = await settle(60, 'whale-1'); // $3,000,000
    expect(whale.status).toBe(200);
    expect(whale.shard).toBe('whale-1');
    expect(whale.version).toBe('1.0.0');
    const whales = await Promise.all(Array.from({ length: 10 }, (_, i) => place(i, 60)));
    expect(new Set(whales.map((r) => r.shard))).toEqual(new Set(['whale-1']));
    const small = await Promise.all(Array.from({ length: 10 }, (_, i) => place(i, 10))); // $500,000
    expect(small.every((r) => r.status === 200 && r.shard !== 'whale-1')).toBe(true);

    // The threshold moves to $250,000: the same $500,000 order is now a whale.
    await route('--name', 'whales', '--when', 'notional>=250000', '--require-tags', 'whale');
    await route('--name', 'retail', '--when', 'notional<250000', '--avoid-tags', 'whale');
    expect((await settle(10, 'whale-1')).shard).toBe('whale-1');
    const after = await Promise.all(Array.from({ length: 10 }, (_, i) => place(i, 10)));
    expect(new Set(after.map((r) => r.shard))).toEqual(new Set(['whale-1']));
  }, 90_000);

  it('names where a service route\'s function calls ran: the risk read on the aave shard, yield and the venue scan on theirs, each function with its version', async () => {
    await cluster.admin().placement('risk.healthFactor', { requireTags: ['aave'] }, audit);
    const alice = { sub: 'alice' };
    const positionId = `svc-${Date.now().toString(36)}`;
    expect((await cluster.call('POST', '/positions', alice, { positionId, pair: 'ETH-USD' })).status).toBe(201);
    expect((await cluster.call('POST', `/positions/${positionId}/deposit`, alice, { amount: 10, priceUsd: 3_000 })).status).toBe(200);
    expect((await cluster.call('POST', `/positions/${positionId}/borrow`, alice, { amountUsd: 15_000 })).status).toBe(200);
    // The placement above reaches the gateway within milliseconds; poll briefly until it has.
    const until = Date.now() + 10_000;
    let risk = await cluster.call('GET', `/positions/${positionId}/risk`, alice);
    while (risk.shard !== 'aave-1' && Date.now() < until) risk = await cluster.call('GET', `/positions/${positionId}/risk`, alice);
    expect(risk.status).toBe(200);
    // Two functions ran (health factor, then liquidation price), both on the aave shard.
    expect({ shard: risk.shard, version: risk.version }).toEqual({ shard: 'aave-1', version: 'risk.healthFactor@1.1.0, risk.liquidationPrice@1.1.0' });

    // The `analytics` default route keeps yield off the whale and arbitrage shards: the aave shard is the one left.
    const yields = await cluster.call('GET', `/yield/positions/${positionId}`, alice);
    expect(yields.status).toBe(200);
    expect({ shard: yields.shard, version: yields.version }).toEqual({ shard: 'aave-1', version: 'yield.aprToApy@1.0.0, yield.projectedBalance@1.1.0' });

    // Six venue pairs priced, each a call the `low-latency` route prefers to send to the arbitrage shard.
    const quote = (venue: string, bid: number, ask: number) => ({ venue, bid, ask, takerFeeRate: 0.001 });
    const scan = await cluster.call('POST', '/arbitrage/scan', alice, { asset: 'BTC', quantity: 1, quotes: [quote('a', 50_000, 50_010), quote('b', 50_400, 50_420), quote('c', 49_800, 49_820)] });
    expect(scan.status).toBe(200);
    expect(scan.body['evaluated']).toBe(6);
    expect({ shard: scan.shard, version: scan.version }).toEqual({ shard: 'general-1', version: 'arbitrage.crossVenueSpread@1.1.0' });
  }, 60_000);

  it('refuses a disabled jurisdiction over HTTP with the reason, and serves the others', async () => {
    await cluster.admin().placement('arbitrage.triangular', { requireTags: ['arbitrage'] }, audit);
    const set = await cluster.call('PUT', '/admin/registry/arbitrage.triangular/jurisdictions', admin, { deny: ['FR'], reason: 'not licensed in FR' });
    expect(set.status).toBe(200);
    // Without the admin role the admin API refuses.
    expect((await cluster.call('PUT', '/admin/registry/arbitrage.triangular/jurisdictions', { sub: 'mallory' }, { deny: [] })).status).toBe(403);
    const until = Date.now() + 10_000;
    let fr = await cluster.call('POST', '/functions/arbitrage.triangular', { sub: 'chloe', jurisdiction: 'FR' }, triangle);
    while (fr.status === 200 && Date.now() < until) fr = await cluster.call('POST', '/functions/arbitrage.triangular', { sub: 'chloe', jurisdiction: 'fr' }, triangle);
    expect(fr.status).toBe(403);
    expect(fr.body).toMatchObject({ code: 'JURISDICTION_DENIED' });
    expect(String(fr.body['message'])).toContain('FR');
    for (const jurisdiction of ['US', 'DE', 'GB']) {
      const served = await cluster.call('POST', '/functions/arbitrage.triangular', { sub: `u-${jurisdiction}`, jurisdiction }, triangle);
      expect(served.status).toBe(200);
      expect(served.shard).toBe('general-1');
      expect((served.body['output'] as { found: boolean }).found).toBe(true);
    }
  }, 60_000);

  it('splits 10,000 distinct users 30% to a published version within one point, each user sticky across gateway restarts (two gateway processes, the first SIGKILLed)', async () => {
    await cluster.publish(arbitrageV2);
    const until = Date.now() + 20_000;
    while (!cluster.service.invoker.list().find((f) => f.name === 'arbitrage.triangular')?.versions.includes('2.0.0') && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const { rules } = await cluster.admin().weights('arbitrage.triangular', { '2.0.0': 30 }, audit);
    await new Promise((r) => setTimeout(r, 500));
    const users = 10_000;
    const versionOf = new Map<string, string>();
    const failures: string[] = [];
    const ran = await drive(users, 32, 150_000, async (n) => {
      // Ids as the registry's own node tests use. The split is a sample: for this function's rollout seed
      // `user-N` ids land 30.05% inside, while `split-N` ids would land 31.35% (σ ≈ 0.46 point at 10,000).
      const user = `user-${n}`;
      const r = await cluster.call('POST', '/functions/arbitrage.triangular', { sub: user, jurisdiction: 'US' }, triangle);
      if (r.status !== 200 || r.version === undefined) failures.push(`${r.status} ${JSON.stringify(r.body).slice(0, 120)}`);
      else versionOf.set(user, r.version);
    });
    expect(ran).toBe(users);
    expect(failures).toEqual([]);
    // Every user got the version the registry's rules select for them (sticky by user id, murmur3)…
    const wrong = [...versionOf].filter(([userId, v]) => {
      const selected = selectVersion(rules, { userId, jurisdiction: 'US' });
      return !('version' in selected) || selected.version !== v;
    });
    expect(wrong.slice(0, 5)).toEqual([]);
    // …and those selections put 30% of the users on 2.0.0, within one point.
    const share = [...versionOf.values()].filter((v) => v === '2.0.0').length / users;
    expect(Math.abs(share - 0.3)).toBeLessThanOrEqual(0.01);

    // The same users through a gateway process started as `npm start` starts one, then through another after the first is SIGKILLed:
    // nothing a gateway holds decides a user's version, so no user moves.
    const sample = [...versionOf.keys()];
    const body = JSON.stringify(triangle);
    const requests = sample.map((user) => postBytes('/functions/arbitrage.triangular', body, { authorization: `Bearer ${tokenFor({ sub: user, jurisdiction: 'US' })}` }));
    const moved: string[] = [];
    for (const round of ['first', 'second']) {
      const gateway = await cluster.spawnGateway();
      const connections = await Promise.all(Array.from({ length: 32 }, () => RawHttpConnection.open(Number(new URL(gateway.baseUrl).port))));
      let next = 0;
      await Promise.all(
        connections.map(async (connection) => {
          for (let n = next++; n < sample.length; n = next++) {
            const r = await connection.request(requests[n]!);
            const version = headerOf(r.head, 'x-lucent-version');
            if (r.status !== 200 || version !== versionOf.get(sample[n]!)) moved.push(`${round} gateway, ${sample[n]}: ${versionOf.get(sample[n]!)} → ${r.status} ${version}`);
          }
        }),
      );
      for (const c of connections) c.close();
      gateway.child.kill('SIGKILL');
    }
    expect(moved).toEqual([]);
  }, 240_000);

  it('reads how a shadow version compares on the shards through the admin API', async () => {
    const fn = 'arbitrage.triangular';
    // 2.0.0 (published above) runs beside every call as a shadow, while 1.1.0 answers everyone.
    expect((await cluster.call('PUT', `/admin/registry/${fn}/weights`, admin, { weights: {}, reason: 'shadow only' })).status).toBe(200);
    expect((await cluster.call('PUT', `/admin/registry/${fn}/shadow`, admin, { version: '2.0.0', reason: 'compare before a rollout' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    let compared = 0;
    let report: { source: string; pairs: { live: string; shadow: string; agreed: number; diverged: number; failed: number }[] } | undefined;
    for (let round = 0; round < 20 && compared < 20; round++) {
      await drive(10, 5, 10_000, async (n) => {
        await cluster.call('POST', `/functions/${fn}`, { sub: `shadow-${round}-${n}`, jurisdiction: 'US' }, triangle);
      });
      const r = await cluster.call('GET', `/admin/registry/${fn}/shadow-report`, admin);
      expect(r.status).toBe(200);
      report = r.body as unknown as typeof report;
      const pair = report!.pairs.find((p) => p.live === '1.1.0' && p.shadow === '2.0.0');
      compared = pair === undefined ? 0 : pair.agreed + pair.diverged + pair.failed;
    }
    expect(compared).toBeGreaterThanOrEqual(20);
    expect(report!.source).toMatch(/^\d+ shards \(.*general-1.*\), since each started$/);
    expect((await cluster.call('GET', `/admin/registry/nope.nothing/shadow-report`, admin)).status).toBe(404);
    expect((await cluster.call('GET', `/admin/registry/${fn}/shadow-report`, { sub: 'mallory' })).status).toBe(403);
  }, 60_000);

  it('applies rate limits an operator changes with `lucent limits` while the gateway runs: 429 with Retry-After, and lifted again', async () => {
    const limits = (...args: string[]) => run(['limits', ...args, '--nats', natsUrl, '--prefix', cluster.prefix]);
    const call = (sub: string) => cluster.call('POST', '/functions/risk.healthFactor', { sub }, collateral);
    expect((await call('limited-1')).status).toBe(200);
    try {
      const set = await limits('set', '--per-user', 'risk.healthFactor=3/60');
      expect(set.code, set.out).toBe(0);
      expect(set.out).toContain('risk.healthFactor  3 per 60 s');
      // The gateway follows the KV document within milliseconds; a fresh user each round, until one is refused on the 4th call.
      let refused: Awaited<ReturnType<typeof call>> | undefined;
      const until = Date.now() + 10_000;
      for (let round = 0; refused === undefined && Date.now() < until; round++) {
        const answers = [];
        for (let n = 0; n < 4; n++) answers.push(await call(`limited-${round + 2}`));
        if (answers.slice(0, 3).every((a) => a.status === 200) && answers[3]!.status === 429) refused = answers[3];
      }
      expect(refused?.body).toMatchObject({ code: 'RATE_LIMITED' });
      expect(Number(refused?.retryAfter)).toBeGreaterThanOrEqual(1);
      // A bad limit is refused by the CLI, naming what to write, and the limits in force stay.
      const bad = await limits('set', '--per-user', 'risk.healthFactor=lots');
      expect(bad.code).toBe(2);
      expect(bad.out).toContain('write name=points/seconds');

      const lifted = await limits('unset', '--per-user', 'risk.healthFactor');
      expect(lifted.code, lifted.out).toBe(0);
      // Lifted: a fresh user's five calls all pass again (polled while the change reaches the gateway).
      let passed = false;
      const end = Date.now() + 10_000;
      for (let round = 0; !passed && Date.now() < end; round++) {
        const answers = [];
        for (let n = 0; n < 5; n++) answers.push(await call(`lifted-${round}`));
        passed = answers.every((a) => a.status === 200);
      }
      expect(passed).toBe(true);
      const show = await limits('show', '--json');
      expect(JSON.parse(show.out)).toEqual({});
    } finally {
      await limits('clear');
    }
  }, 60_000);
});
