// registry.killSwitch: how long a disable, and a re-enable, take from the write until a caller's next call sees it (3 shards on NATS).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineFunction, type LoadReport } from '@lucent/core';
import { MemoryEventStore, RegistryAdmin } from '@lucent/runtime';
import { ClusterClient, ClusterRegistry } from '@lucent/runtime/cluster';
import { connectNats, KvRegistryStore, NatsTransport, parseShardConfig, registryBucketFor, startNatsShard, type RunningShard } from '@lucent/nats';
import { LatencyRecorder } from '../harness/latencyRecorder.js';
import type { BenchArea, BenchOptions, BenchResult } from '../harness/types.js';
import { wants } from '../harness/types.js';

const caseName = 'registry.killSwitch';
const cycles = 30;
const reportIntervalMs = 250;
const audit = { who: 'bench', why: 'kill switch benchmark' };
const echo = defineFunction({ name: 'bench.echo', version: '1.0.0', input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) }, ({ n }) => ({ n }));

/** ms from `started` until `seen()` first holds, asking again on every turn of the event loop. */
async function until(started: number, seen: () => Promise<boolean>): Promise<number> {
  while (!(await seen())) await new Promise((r) => setImmediate(r));
  return performance.now() - started;
}

async function measure(natsUrl: string, disable: LatencyRecorder, enable: LatencyRecorder): Promise<void> {
  const prefix = `bench-kill-${randomUUID().slice(0, 8)}`;
  const shards: RunningShard[] = [];
  const transport = new NatsTransport({ connection: await connectNats({ url: natsUrl }), subjectPrefix: prefix, ownsConnection: true });
  const reports = new Map<string, LoadReport>();
  transport.onLoad((r) => reports.set(r.shardId, r));
  const store = await KvRegistryStore.open({ connection: transport.connection, bucket: registryBucketFor(prefix), eventStore: new MemoryEventStore() });
  const view = new ClusterRegistry(store);
  let client: ClusterClient | undefined;
  try {
    for (const id of ['k1', 'k2', 'k3']) {
      const config = parseShardConfig({ id, nats: natsUrl, subjectPrefix: prefix, reportIntervalMs, registry: {} });
      shards.push(await startNatsShard({ config, functions: { echo } }));
    }
    await view.start();
    client = new ClusterClient({ transport, functions: { echo }, registry: view, attemptTimeoutMs: 2_000 });
    await client.ready(3, 10_000);
    const admin = new RegistryAdmin(store);
    const call = (n: number): Promise<unknown> => client!.invoke('bench.echo', { n }, { timeoutMs: 2_000 });
    const reportedDisabled = (): boolean => ['k1', 'k2', 'k3'].every((id) => reports.get(id)?.functions['bench.echo']?.enabled === false);
    for (let i = 0; i < cycles + 3; i++) {
      let t = performance.now();
      await admin.disable('bench.echo', audit);
      const off = await until(t, () => call(i).then(() => false, (e: { code?: string }) => e.code === 'FUNCTION_DISABLED'));
      // Re-enable only once every shard has reported the function disabled: the case that waited for the next report.
      while (!reportedDisabled()) await new Promise((r) => setTimeout(r, 10));
      t = performance.now();
      await admin.enable('bench.echo', audit);
      const on = await until(t, () => call(i).then(() => true, () => false));
      // The first cycles warm up connections and JIT; they are not recorded.
      if (i >= 3) {
        disable.recordMs(off);
        enable.recordMs(on);
      }
    }
  } finally {
    await client?.close();
    await view.stop();
    await Promise.all(shards.map((s) => s.stop(1_000)));
    await store.close();
    const jsm = await transport.connection.jetstreamManager();
    await jsm.streams.delete(`KV_${registryBucketFor(prefix)}`).catch(() => undefined);
    await transport.close();
  }
}

export const killSwitchArea: BenchArea = {
  area: 'registry-kill-switch',
  cases: [caseName],
  requires: ['nats'],
  async run(options: BenchOptions): Promise<BenchResult[]> {
    if (!wants(options, caseName)) return [];
    const disable = new LatencyRecorder();
    const enable = new LatencyRecorder();
    for (let round = 0; round < Math.max(1, options.rounds); round++) await measure(options.natsUrl, disable, enable);
    const note = `${cycles} disable/enable cycles per round, 3 shards (reports every ${reportIntervalMs} ms, each enable after every shard reported the function disabled); write (CAS + audit) → a caller's call sees it; baseline: the disable`;
    return [
      { case: caseName, metric: 'p99_ms', higherIsBetter: false, lucent: enable.percentileMs(99), baselines: { disable: disable.percentileMs(99) }, floors: ['disable'], note },
      { case: caseName, metric: 'p50_ms', higherIsBetter: false, lucent: enable.percentileMs(50), baselines: { disable: disable.percentileMs(50) }, floors: ['disable'], note },
    ];
  },
};
