// Chaos on real NATS: a document put to the cluster's KV reaches a shard; 20% injected errors reach callers as 17-23% failed calls, and a retry policy hides them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, functionMap } from '@lucent/core';
import { Chaos, GuardedInvoker, isChaosFault, LucentMetrics, Resilience, type Invoker } from '@lucent/runtime';
import { ClusterClient } from '@lucent/runtime/cluster';
import type { NatsConnection } from 'nats';
import { connectNats } from '../transport/connectNats.js';
import { NatsTransport } from '../transport/natsTransport.js';
import { parseShardConfig } from '../shard/shardConfig.js';
import { startNatsShard, type RunningShard } from '../shard/startNatsShard.js';
import { chaosBucketFor, KvChaos } from './kvChaos.js';

const url = process.env['LUCENT_NATS_URL'] ?? 'nats://127.0.0.1:4222';

const echo = defineFunction(
  { name: 'chaos.echo', version: '1.0.0', input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) },
  ({ n }) => ({ n }),
);

/** mulberry32: the same draws on every run, so the observed share is the same too. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

/** `n` calls, 50 at a time; how many failed (each failure must be an injected one). */
async function failures(invoker: Invoker, n: number): Promise<number> {
  let failed = 0;
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, (_, j) => invoker.invoke('chaos.echo', { n: i + j }));
    for (const r of await Promise.allSettled(batch)) {
      if (r.status === 'fulfilled') continue;
      expect(isChaosFault(r.reason), String(r.reason)).toBe(true);
      failed++;
    }
  }
  return failed;
}

describe('chaos switched through NATS KV', () => {
  const prefix = `lucent-chaos-${randomBytes(4).toString('hex')}`;
  const chaos = new Chaos({ random: seeded(15), allowed: true });
  const metrics = new LucentMetrics({ shard: 'chaos-a', processMetrics: false });
  let shard: RunningShard;
  let control: NatsConnection;
  let kv: KvChaos;
  let transport: NatsTransport;
  let client: ClusterClient;

  beforeAll(async () => {
    shard = await startNatsShard({
      config: parseShardConfig({ id: 'chaos-a', nats: url, subjectPrefix: prefix, reportIntervalMs: 200 }),
      functions: functionMap(echo),
      chaos,
      metrics,
    });
    control = await connectNats({ url });
    kv = await KvChaos.open({ connection: control, bucket: chaosBucketFor(prefix) });
    transport = new NatsTransport({ connection: await connectNats({ url }), subjectPrefix: prefix, ownsConnection: true });
    client = new ClusterClient({ transport, functions: functionMap(echo) });
    await client.ready(1, 10_000);
  }, 20_000);

  afterAll(async () => {
    await shard?.stop(200);
    await client?.close();
    await transport?.close();
    await control?.jetstream().views.kv(chaosBucketFor(prefix)).then((b) => b.destroy());
    await control?.close();
  });

  it('20% errors on a function: 17-23% of 2,000 calls fail; under a retry policy under 1% do; each fault counted; clear turns it off', async () => {
    expect(await failures(client, 100)).toBe(0);
    await kv.put({ functions: { 'chaos.echo': { errorRate: 0.2 } } });
    await until(() => chaos.active);
    expect(await kv.get()).toEqual({ functions: { 'chaos.echo': { errorRate: 0.2 } } });

    const plain = await failures(client, 2_000);
    expect(plain / 2_000).toBeGreaterThanOrEqual(0.17);
    expect(plain / 2_000).toBeLessThanOrEqual(0.23);

    // Four attempts at 20% each: 0.2^4 = 0.16% expected to fail them all.
    const resilience = new Resilience({ functions: { 'chaos.echo': { retry: { retries: 3, initialDelayMs: 1, maxDelayMs: 5 }, circuit: false, bulkhead: false } } });
    const retried = await failures(new GuardedInvoker(client, { resilience }), 2_000);
    expect(retried / 2_000).toBeLessThan(0.01);

    const counted = /lucent_chaos_faults_total\{scope="function",target="chaos.echo",fault="error"\} (\d+)/.exec(await metrics.render());
    expect(Number(counted?.[1])).toBeGreaterThanOrEqual(plain + retried);

    await kv.clear();
    await until(() => !chaos.active);
    expect(await failures(client, 100)).toBe(0);
  }, 60_000);

  it('a read-only open of a cluster without a chaos bucket finds none and creates none', async () => {
    const bucket = chaosBucketFor(`${prefix}-none`);
    expect(await KvChaos.open({ connection: control, bucket, bindOnly: true })).toBeUndefined();
    const jsm = await control.jetstreamManager();
    expect(await jsm.streams.info(`KV_${bucket}`).then(() => 'exists', () => 'absent')).toBe('absent');
  });

  it('a shard that does not allow chaos refuses the document and keeps serving', async () => {
    const refusing = new Chaos({ allowed: false });
    const follower = await KvChaos.open({ connection: control, bucket: chaosBucketFor(prefix) });
    await follower.follow(refusing);
    await kv.put({ shards: { '*': { unreachable: true } } });
    expect(await kv.get()).toEqual({ shards: { '*': { unreachable: true } } });
    await new Promise((r) => setTimeout(r, 100));
    expect(refusing.active).toBe(false);
    follower.close();
    await kv.clear();
  });
});
