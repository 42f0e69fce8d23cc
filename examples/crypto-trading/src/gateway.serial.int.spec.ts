// Under load through the gateway (about 2,000 calls/s over HTTP → NATS → shard processes): a hot deploy and a shard SIGKILL cost no call.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayCluster, type GatewayCluster } from './gatewayCluster.js';

const audit = { who: 'gateway-load-spec', why: 'hot deploy and a crash under load' };
const triangle = { rates: [{ from: 'USDT', to: 'ETH', rate: 0.0005 }, { from: 'ETH', to: 'BTC', rate: 0.05 }, { from: 'BTC', to: 'USDT', rate: 41_000 }], startCurrency: 'USDT' };
const arbitrageV2 = fileURLToPath(new URL('./demo/bundles/arbitrageV2.ts', import.meta.url));
const ratePerSecond = 2_000;
const durationMs = 10_000;

describe('the gateway under load', () => {
  let cluster: GatewayCluster;

  beforeAll(async () => {
    cluster = await startGatewayCluster({ 'arb-1': ['arbitrage'], 'arb-2': ['arbitrage'], 'arb-3': ['arbitrage'] });
    await cluster.admin().placement('arbitrage.triangular', { requireTags: ['arbitrage'] }, audit);
    // Published (bundled, signed, loaded by every shard) before the stream: activating it is the deploy under load.
    await cluster.publish(arbitrageV2);
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      const reports = cluster.service.topology.cluster?.directory.reports;
      const hosting = [...(reports?.values() ?? [])].filter((r) => r.functions['arbitrage.triangular']?.versions.includes('2.0.0'));
      if (hosting.length === 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 180_000);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  it(`activates a published version and SIGKILLs a shard while ~${ratePerSecond} calls/s flow: zero failed calls`, async () => {
    const failures: string[] = [];
    const versions: Record<string, number> = {};
    const shards: Record<string, number> = {};
    let sent = 0;
    let activatedAt = 0;
    let killedAt = 0;
    const started = Date.now();
    const total = (ratePerSecond * durationMs) / 1_000;
    const worker = async (): Promise<void> => {
      while (sent < total && Date.now() - started < durationMs) {
        const n = sent++;
        const due = started + (n * 1_000) / ratePerSecond;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        try {
          const r = await cluster.call('POST', '/functions/arbitrage.triangular', { sub: `load-${n % 1_000}`, jurisdiction: 'US' }, triangle);
          if (r.status !== 200) failures.push(`at ${Date.now() - started} ms: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
          versions[r.version ?? '-'] = (versions[r.version ?? '-'] ?? 0) + 1;
          shards[r.shard ?? '-'] = (shards[r.shard ?? '-'] ?? 0) + 1;
        } catch (error) {
          failures.push(String(error));
        }
        if (Date.now() - started > durationMs * 0.25 && activatedAt === 0) {
          activatedAt = Date.now();
          void cluster.admin().activate('arbitrage.triangular', '2.0.0', audit);
        }
        if (Date.now() - started > durationMs * 0.5 && killedAt === 0) {
          killedAt = Date.now();
          process.kill(cluster.shards.get('arb-2')!.pid!, 'SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    const elapsed = (Date.now() - started) / 1_000;
    const rate = sent / elapsed;
    console.log(`gateway load: ${sent} calls in ${elapsed.toFixed(1)} s (${rate.toFixed(0)}/s), versions ${JSON.stringify(versions)}, shards ${JSON.stringify(shards)}; activated at ${activatedAt - started} ms, killed at ${killedAt - started} ms`);
    expect(failures.slice(0, 5)).toEqual([]);
    expect(activatedAt).toBeGreaterThan(0);
    expect(killedAt).toBeGreaterThan(0);
    // Both versions answered, and the killed shard stopped answering while the other two carried on.
    expect(versions['1.1.0']).toBeGreaterThan(0);
    expect(versions['2.0.0']).toBeGreaterThan(sent / 3);
    expect(shards['arb-1']! + shards['arb-3']!).toBeGreaterThan(sent / 2);
    // Paced to ratePerSecond at most; what the machine reached is printed above (a shared 2-core box reaches far less).
    expect(sent).toBeGreaterThan(200);
  }, 120_000);
});
