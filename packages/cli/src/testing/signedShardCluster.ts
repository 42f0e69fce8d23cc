// Test support: shard processes on real NATS that load bundles signed with a fresh key, and this process's view of them (registry, client, load reports).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LoadReport } from '@lucent/core';
import { ClusterClient, ClusterRegistry } from '@lucent/runtime/cluster';
import { bundleBucketFor, chaosBucketFor, connectNats, KvRegistryStore, NatsTransport, registryBucketFor } from '@lucent/nats';
import { functions } from '../../../nats/src/testing/reliabilityFunctions.js';
import { startShardProcess, type ShardProcess } from '../../../nats/src/testing/shardProcesses.js';
import { buildCli, lucent } from './runBuiltCli.js';

export interface SignedShardCluster {
  /** Holds `lucent-signing.key` and `.pub` (from `lucent keygen`). */
  readonly dir: string;
  readonly shards: readonly ShardProcess[];
  readonly transport: NatsTransport;
  readonly store: KvRegistryStore;
  readonly view: ClusterRegistry;
  readonly client: ClusterClient;
  /** The newest load report of each shard. */
  readonly latest: ReadonlyMap<string, LoadReport>;
  /** Stops the shards and this process's parts, removes the cluster's buckets and the key directory. */
  close(): Promise<void>;
}

/** Build the CLI, make a signing key with it, start one shard process per id under `prefix`, and wait until all report. */
export async function startSignedShardCluster(options: { readonly url: string; readonly prefix: string; readonly ids: readonly string[] }): Promise<SignedShardCluster> {
  const { url, prefix, ids } = options;
  await buildCli();
  const dir = await mkdtemp(path.join(tmpdir(), 'lucent-signed-cluster-'));
  const keygen = await lucent(['keygen', '--out', dir]);
  if (keygen.code !== 0) throw new Error(`lucent keygen failed: ${keygen.stderr}`);
  // Nothing is registered by hand: the shards do it for what is compiled into them.
  const shards = await Promise.all(
    ids.map((id) =>
      startShardProcess({ id, nats: url, subjectPrefix: prefix, reportIntervalMs: 250, registry: {}, bundles: { publicKeyFile: path.join(dir, 'lucent-signing.pub') } }),
    ),
  );
  const latest = new Map<string, LoadReport>();
  const transport = new NatsTransport({ connection: await connectNats({ url }), subjectPrefix: prefix, ownsConnection: true });
  transport.onLoad((report) => latest.set(report.shardId, report));
  const store = await KvRegistryStore.open({ connection: transport.connection, bucket: registryBucketFor(prefix) });
  const view = new ClusterRegistry(store);
  await view.start();
  const client = new ClusterClient({ transport, functions, registry: view, liveness: { intervalMs: 250, missedReports: 3 }, attemptTimeoutMs: 2_000 });
  await client.ready(ids.length, 30_000);
  return {
    dir,
    shards,
    transport,
    store,
    view,
    client,
    latest,
    close: async () => {
      await Promise.all(shards.map((s) => s.stop()));
      await client.close();
      await view.stop();
      await store.close();
      const jsm = await transport.connection.jetstreamManager();
      for (const stream of [`KV_${registryBucketFor(prefix)}`, `OBJ_${bundleBucketFor(prefix)}`, `KV_${chaosBucketFor(prefix)}`]) {
        await jsm.streams.delete(stream).catch(() => undefined);
      }
      await transport.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
