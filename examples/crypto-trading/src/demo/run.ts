// `npm run demo`: a gateway and three shards, driven over HTTP step by step; the last line is the tally as one JSON object.
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startDemoCluster, type DemoCluster } from './cluster.js';
import { DemoHttp, type Caller } from './http.js';

const audit = (why: string) => ({ who: 'demo-operator', why });
const admin: Caller = { sub: 'ops', roles: ['admin'] };
const bundle = (name: string): string => fileURLToPath(new URL(`../../src/demo/bundles/${name}.ts`, import.meta.url));
const step = (n: number, title: string): void => console.log(`\n${n}. ${title}`);
const note = (line: string): void => console.log(`   ${line}`);

const ethCollateral = (priceUsd: number) => ({ collateral: [{ asset: 'ETH', amount: 10, priceUsd, liquidationThreshold: 0.825 }], debtUsd: 15_000 });
const triangle = { rates: [{ from: 'USDT', to: 'ETH', rate: 0.0005 }, { from: 'ETH', to: 'BTC', rate: 0.05 }, { from: 'BTC', to: 'USDT', rate: 41_000 }], startCurrency: 'USDT' };

/** A function answer's output (POST /functions/:name answers `{ output, events }`). */
const out = (a: { body: Record<string, unknown> }): Record<string, unknown> => (a.body['output'] ?? a.body) as Record<string, unknown>;
const hf = (a: { body: Record<string, unknown> }): string => {
  const value = out(a)['healthFactor'];
  return typeof value === 'number' ? value.toFixed(2) : String(value);
};

/**
 * A step's expected outcome: when it did not hold within its bound it counts in `failed` (beside the
 * calls that failed), so `"failed":0` in the tally means every step did what it says.
 */
function expectThat(http: DemoHttp, held: boolean, what: string): void {
  if (held) return;
  http.tally.failed++;
  console.log(`    ✗ expected ${what}`);
}

/** Poll until `done` (at most `ms`); the caller checks `done` on the value returned. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const stopAt = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > stopAt) return value;
    await sleep(100);
  }
}

/** Until the router sees `version` of `name` hosted somewhere (a published bundle reaches the shards' reports). */
async function hosted(cluster: DemoCluster, name: string, version: string): Promise<void> {
  await until(async () => cluster.service.invoker.list().find((f) => f.name === name)?.versions ?? [], (v) => v.includes(version), 20_000);
}

async function drive(cluster: DemoCluster, http: DemoHttp): Promise<void> {
  const owner = 'alice';
  const alice: Caller = { sub: owner, jurisdiction: 'US' };

  step(1, 'Placement from the registry: Aave risk on aave-tagged shards, arbitrage on arbitrage-tagged ones');
  await cluster.admin.placement('risk.healthFactor', { requireTags: ['aave'] }, audit('Aave risk runs beside the Aave boundary'));
  await cluster.admin.placement('arbitrage.triangular', { requireTags: ['arbitrage'] }, audit('low-latency set'));
  const risk = await until(() => http.request('POST', '/functions/risk.healthFactor', alice, ethCollateral(3_000)), (a) => a.shard === 'aave-1');
  note(`risk.healthFactor → health factor ${hf(risk)} on shard ${risk.shard} (version ${risk.version})`);
  expectThat(http, risk.shard === 'aave-1', `the Aave call answered by aave-1 within 15 s (last answer: ${risk.status} from ${risk.shard ?? 'no shard'})`);

  step(2, 'Alice opens an ETH position, deposits 10 ETH at $3,000 and borrows $15,000');
  const positionId = `pos-${Date.now().toString(36)}`;
  await http.request('POST', '/positions', alice, { positionId, pair: 'ETH-USD' });
  await http.request('POST', `/positions/${positionId}/deposit`, alice, { amount: 10, priceUsd: 3_000 });
  await http.request('POST', `/positions/${positionId}/borrow`, alice, { amountUsd: 15_000 });
  const portfolio = await until(() => http.request('GET', `/portfolios/${owner}`, alice, undefined, [200, 404]), (a) => a.status === 200);
  note(`portfolio of ${owner}: ${JSON.stringify(portfolio.body).slice(0, 160)}`);

  step(3, 'ETH falls to $1,700: the price is pushed, the position is revalued, a liquidation alert is raised');
  await http.request('POST', '/prices', admin, { asset: 'ETH', priceUsd: 2_200, source: 'operator' });
  await http.request('POST', '/prices', admin, { asset: 'ETH', priceUsd: 1_700, source: 'operator' });
  const raised = (a: { body: Record<string, unknown> }): boolean =>
    a.body['alertRaised'] === true && ((a.body['alerts'] as { type: string }[] | undefined) ?? []).some((alert) => alert.type === 'LiquidationAlertRaised');
  const alerts = await until(() => http.request('GET', `/positions/${positionId}/alerts`, alice), raised);
  note(`alerts: ${JSON.stringify(alerts.body).slice(0, 200)}`);
  expectThat(http, raised(alerts), `a LiquidationAlertRaised on ${positionId} within 15 s`);
  const atRisk = await http.request('POST', '/functions/risk.healthFactor', alice, ethCollateral(1_700));
  note(`health factor at $1,700: ${hf(atRisk)} (${String(out(atRisk)['status'])}) on ${atRisk.shard}`);

  step(4, 'Two arbitrage strategies compete under an A/B split: v2 is published (signed bundle) and gets 50% of users, sticky per user');
  note(await cluster.publish(bundle('arbitrageV2')).then((out) => out.split('\n')[0] ?? ''));
  await hosted(cluster, 'arbitrage.triangular', '2.0.0');
  await cluster.admin.weights('arbitrage.triangular', { '2.0.0': 50 }, audit('A/B: strategy v2 for half of the users'));
  const split: Record<string, number> = {};
  await http.load({
    calls: 200,
    concurrency: 8,
    perSecond: 400,
    maxMs: 20_000,
    send: async (n) => {
      const a = await http.request('POST', '/functions/arbitrage.triangular', { sub: `trader-${n % 100}`, jurisdiction: 'DE' }, triangle);
      if (a.version !== undefined) split[a.version] = (split[a.version] ?? 0) + 1;
    },
  });
  note(`200 scans by 100 traders: ${JSON.stringify(split)}; a cycle found: ${JSON.stringify(out(await http.request('POST', '/functions/arbitrage.triangular', alice, triangle))).slice(0, 120)}`);

  step(5, 'A whale order: a trade whose notional is above the registry route\'s threshold goes to the whale shard');
  await cluster.admin.route('trading.placeOrder', { name: 'whales', when: [{ fact: 'notional', gte: 1_000_000 }], requireTags: ['whale'] }, audit('whales to the whale shard'));
  await cluster.admin.route('trading.placeOrder', { name: 'retail', when: [{ fact: 'notional', lt: 1_000_000 }], avoidTags: ['whale'] }, audit('keep retail off the whale shard'));
  const order = (quantity: number) => ({ orderId: `o-${Date.now()}-${quantity}`, account: owner, pair: 'BTC-USD', side: 'buy', quantity, limitPrice: 50_000 });
  const whale = await until(() => http.request('POST', '/functions/trading.placeOrder', alice, order(60)), (a) => a.shard === 'whale-1');
  note(`order of $3,000,000 → ${whale.status} on shard ${whale.shard ?? '-'} (route whales: notional >= 1,000,000)`);
  expectThat(http, whale.status === 200 && whale.shard === 'whale-1', `the whale order answered by whale-1 within 15 s (last answer: ${whale.status} from ${whale.shard ?? 'no shard'})`);
  const retail = await http.request('POST', '/functions/trading.placeOrder', alice, order(2));
  note(`order of $100,000 → ${retail.status} on ${retail.shard ?? '-'} (route retail keeps it off the whale shard)`);
  expectThat(http, retail.status === 200 && retail.shard !== undefined && retail.shard !== 'whale-1', `the retail order answered off the whale shard (it was ${retail.status} from ${retail.shard ?? 'no shard'})`);

  step(6, 'An Aave deposit saga: reserve, submit, wait for 3 confirmations, record');
  const started = await http.request('POST', '/deposits', { sub: 'bob' }, { account: 'bob', asset: 'USDC', amount: 1_000, confirmations: 3 }, [202], { 'idempotency-key': `demo-${Date.now()}` });
  const { depositId, txHash } = started.body as { depositId: string; txHash: string };
  note(`deposit ${depositId} submitted, tx ${txHash}`);
  await http.request('POST', '/callbacks/chain/confirmations', admin, { txHash, confirmations: 3 }, [202]);
  const deposit = await until(() => http.request('GET', `/deposits/${depositId}`, { sub: 'bob' }), (a) => a.body['status'] !== 'running');
  note(`saga ${String(deposit.body['status'])}: ${((deposit.body['history'] as { type: string }[] | undefined) ?? []).map((h) => h.type).join(' → ')}`);
  expectThat(http, deposit.body['status'] === 'completed', `deposit ${depositId} completed within 15 s (it is ${String(deposit.body['status'])})`);

  step(7, 'Arbitrage is disabled for France; other jurisdictions are still served');
  await cluster.admin.jurisdictions('arbitrage.triangular', { deny: ['FR'] }, audit('not licensed in FR'));
  await sleep(200);
  const fr = await http.request('POST', '/functions/arbitrage.triangular', { sub: 'chloe', jurisdiction: 'FR' }, triangle, [403]);
  const de = await http.request('POST', '/functions/arbitrage.triangular', { sub: 'dieter', jurisdiction: 'DE' }, triangle);
  note(`FR → ${fr.status} ${String(fr.body['code'])}: ${String(fr.body['message'])}`);
  note(`DE → ${de.status} on ${de.shard} (version ${de.version})`);

  step(8, 'Hot deploy under load (~200 calls/s): arbitrage strategy 3.0.0 shipped to every shard, activated mid-stream, then one shard SIGKILLed');
  // Bundling and signing take a few seconds of CPU on the publisher: done before the stream starts; the shards load it while serving.
  note(await cluster.publish(bundle('arbitrageV3')).then((out) => out.split('\n')[0] ?? ''));
  await hosted(cluster, 'arbitrage.triangular', '3.0.0');
  note('every arbitrage shard hosts 3.0.0 (inactive); 1.1.0 and 2.0.0 still answer');
  const before = http.tally.failed;
  let activated = false;
  let killed = false;
  const served = await http.load({
    calls: 2_400,
    concurrency: 16,
    perSecond: 200,
    maxMs: 30_000,
    send: (n) => http.request('POST', '/functions/arbitrage.triangular', { sub: `user-${n % 500}`, jurisdiction: n % 2 === 0 ? 'US' : 'DE' }, triangle),
    onProgress: async (done) => {
      if (done === 600 && !activated) {
        activated = true;
        await cluster.admin.update('arbitrage.triangular', (rules) => ({ ...rules!, active: '3.0.0', weights: {} }), audit('hot deploy: strategy 3 for everyone'));
        note(`after ${done} calls: arbitrage.triangular 3.0.0 active for every user`);
      }
      if (done === 1_400 && !killed) {
        killed = true;
        note(`after ${done} calls: ${cluster.kill('general-1')}`);
      }
    },
  });
  note(`${served} calls during the deploy and the kill, ${http.tally.failed - before} failed`);
}

const started = Date.now();
console.log('Lucent demo: a gateway and three shards, driven over HTTP');
const cluster = await startDemoCluster((line) => console.log(line));
const { description } = cluster.service.topology;
console.log(`  gateway ${cluster.baseUrl} (${description.mode}); transport ${description.transport}; registry ${description.registry}; stores ${cluster.stores}`);
const http = new DemoHttp(cluster.baseUrl);
let crashed: unknown;
try {
  await drive(cluster, http);
} catch (error) {
  crashed = error;
  http.tally.failed++;
  console.log(`\nthe demo stopped: ${error instanceof Error ? error.stack : String(error)}`);
} finally {
  await cluster.close();
}
console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s; every process started here has been stopped`);
console.log(JSON.stringify(http.tally));
process.exit(http.tally.failed === 0 && crashed === undefined ? 0 : 1);
