// Under load through a gateway process (2,000 calls/s offered over HTTP → NATS → shard processes): a hot deploy and a shard SIGKILL cost no call.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from './demo/http.js';
import { startGatewayCluster, type GatewayCluster } from './gatewayCluster.js';
import { headerOf, postBytes, RawHttpConnection } from './testing/rawHttpConnection.js';

const audit = { who: 'gateway-load-spec', why: 'hot deploy and a crash under load' };
const triangle = { rates: [{ from: 'USDT', to: 'ETH', rate: 0.0005 }, { from: 'ETH', to: 'BTC', rate: 0.05 }, { from: 'BTC', to: 'USDT', rate: 41_000 }], startCurrency: 'USDT' };
const arbitrageV2 = fileURLToPath(new URL('./demo/bundles/arbitrageV2.ts', import.meta.url));
const ratePerSecond = 2_000;
const durationMs = 10_000;

describe('the gateway under load', () => {
  let cluster: GatewayCluster;
  let gatewayUrl: string;

  beforeAll(async () => {
    cluster = await startGatewayCluster({ 'arb-1': ['arbitrage'], 'arb-2': ['arbitrage'], 'arb-3': ['arbitrage'] });
    await cluster.admin().placement('arbitrage.triangular', { requireTags: ['arbitrage'] }, audit);
    // The gateway under load is its own process, as `npm start` runs it; this process only sends.
    gatewayUrl = (await cluster.spawnGateway()).baseUrl;
    // Published (bundled, signed, loaded by every shard) before the stream: activating it is the deploy under load.
    await cluster.publish(arbitrageV2);
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      const reports = cluster.service.topology.cluster?.directory.reports;
      const hosting = [...(reports?.values() ?? [])].filter((r) => r.functions['arbitrage.triangular']?.versions.includes('2.0.0'));
      if (hosting.length === 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // …and the gateway process has seen it in the shards' reports.
    while (Date.now() < until) {
      const listed = await fetch(`${gatewayUrl}/functions`, { headers: { authorization: `Bearer ${tokenFor({ sub: 'ops' })}` } }).then((r) => r.text());
      if (listed.includes('"2.0.0"')) break;
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
    // The requests of 1,000 users, prepared: the client's own CPU on these two cores is what the gateway and shards do not get.
    const body = JSON.stringify(triangle);
    const requests = Array.from({ length: 1_000 }, (_, u) =>
      postBytes('/functions/arbitrage.triangular', body, { authorization: `Bearer ${tokenFor({ sub: `load-${u}`, jurisdiction: 'US' })}` }),
    );
    const port = Number(new URL(gatewayUrl).port);
    const connections = await Promise.all(Array.from({ length: 64 }, () => RawHttpConnection.open(port)));
    const cpuBefore = process.cpuUsage();
    const worker = async (connection: RawHttpConnection): Promise<void> => {
      while (sent < total && Date.now() - started < durationMs) {
        const n = sent++;
        const due = started + (n * 1_000) / ratePerSecond;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        try {
          const r = await connection.request(requests[n % 1_000]!);
          if (r.status !== 200) failures.push(`at ${Date.now() - started} ms: ${r.status} ${r.body.slice(0, 300)}`);
          const version = headerOf(r.head, 'x-lucent-version') ?? '-';
          const shard = headerOf(r.head, 'x-lucent-shard') ?? '-';
          versions[version] = (versions[version] ?? 0) + 1;
          shards[shard] = (shards[shard] ?? 0) + 1;
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
    await Promise.all(connections.map(worker));
    for (const c of connections) c.close();
    const cpu = process.cpuUsage(cpuBefore);
    const elapsed = (Date.now() - started) / 1_000;
    const rate = sent / elapsed;
    console.log(`gateway load: ${sent} calls in ${elapsed.toFixed(1)} s (${rate.toFixed(0)}/s), versions ${JSON.stringify(versions)}, shards ${JSON.stringify(shards)}; activated at ${activatedAt - started} ms, killed at ${killedAt - started} ms; this client's CPU ${((cpu.user + cpu.system) / 1_000 / sent).toFixed(3)} ms per call`);
    expect(failures.slice(0, 5)).toEqual([]);
    expect(activatedAt).toBeGreaterThan(0);
    expect(killedAt).toBeGreaterThan(0);
    // Both versions answered, and the killed shard stopped answering while the other two carried on.
    expect(versions['1.1.0']).toBeGreaterThan(0);
    expect(versions['2.0.0']).toBeGreaterThan(sent / 3);
    expect(shards['arb-1']! + shards['arb-3']!).toBeGreaterThan(sent / 2);
    // Paced to ratePerSecond at most. On this 2-core machine, with the gateway, three shards, NATS, PostgreSQL, Redis and
    // this client all on it, 1,914–1,999 calls/s were reached (docs/distribution.md); at least half of it is required here,
    // so a slower CI machine does not fail a gateway that is sound.
    expect(rate).toBeGreaterThan(ratePerSecond / 2);
  }, 120_000);
});
