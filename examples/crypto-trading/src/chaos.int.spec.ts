// Chaos on the example service on NATS: `lucent chaos`'s document makes the exchange feed unreachable for the price oracle, counted in /metrics, and clearing it brings the quotes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosBucketFor, connectNats, KvChaos } from '@lucent/nats';
import type { NatsConnection } from 'nats';
import { natsUrl, startGatewayCluster, type GatewayCluster } from './gatewayCluster.js';
import type { PollOutcome } from './managers/priceOracle.js';

const refusedBy = (outcomes: readonly PollOutcome[]): string[] => outcomes.flatMap((o) => ('refused' in o ? [`${o.refused}: ${o.message}`] : []));

describe('chaos on the gateway service', () => {
  let cluster: GatewayCluster;
  let nc: NatsConnection;
  let kv: KvChaos;

  beforeAll(async () => {
    cluster = await startGatewayCluster({ 'chaos-1': [] });
    nc = await connectNats({ url: natsUrl });
    kv = await KvChaos.open({ connection: nc, bucket: chaosBucketFor(cluster.prefix) });
  }, 180_000);

  afterAll(async () => {
    await kv?.clear().catch(() => undefined);
    await nc?.jetstream().views.kv(chaosBucketFor(cluster.prefix)).then((b) => b.destroy());
    await nc?.close();
    await cluster?.close();
  }, 60_000);

  it('an unreachable exchange feed refuses every quote; clear and the quotes are recorded again', async () => {
    expect(refusedBy(await cluster.service.prices.pollOnce())).toEqual([]);

    await kv.put({ dependencies: { 'exchange-feed': { unreachable: true } } });
    let refused: string[] = [];
    for (let i = 0; i < 100 && refused.length === 0; i++) {
      refused = refusedBy(await cluster.service.prices.pollOnce());
      if (refused.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.startsWith('UNAVAILABLE: exchange-feed'))).toBe(true);
    const metrics = await cluster.service.metrics.render();
    expect(metrics).toMatch(/lucent_chaos_faults_total\{scope="dependency",target="exchange-feed",fault="unreachable"\} [1-9]/);

    // Cleared: once the feed's circuit lets a trial through (it opened on the injected failures), quotes are recorded.
    await kv.clear();
    let back: string[] = refused;
    for (const until = Date.now() + 15_000; back.length > 0 && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 250));
      back = refusedBy(await cluster.service.prices.pollOnce());
    }
    expect(back).toEqual([]);
  }, 60_000);
});
