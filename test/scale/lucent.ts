// The Lucent side of the scale topology: the cluster's buckets at three replicas, three shard processes and the example's gateway, each in its own namespace.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { NatsConnection } from 'nats';
import type { RoutingRule } from '@lucent/core';
import { FunctionManager, registerCompiledVersions, seedDefaultRoutes } from '@lucent/runtime';
import { bundleBucketFor, chaosBucketFor, limitsBucketFor, connectNats, KvRegistryStore, NatsBundleStore, registryBucketFor } from '@lucent/nats';
import type { Ledger } from './ledger.js';
import { hosts, type NetHost } from './network.js';
import { startProcess, waitForLog, type Started } from './processes.js';
import { natsUrlsPreferring, natsHosts, type BusSecurity } from './servers.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const subjectPrefix = 'lucent';
export const gatewayPort = 3000;
export const gatewayUrl = `http://${hosts.gateway.address}:${gatewayPort}`;
const shardScript = path.join(root, 'examples/crypto-trading/dist/shard.js');
const mainScript = path.join(root, 'examples/crypto-trading/dist/main.js');

export interface ShardSpec {
  readonly id: string;
  readonly host: NetHost;
  /** The NATS server this shard prefers (its "nearest"); the other two are its fallbacks. */
  readonly nats: NetHost;
}

export const shardSpecs: readonly ShardSpec[] = [
  { id: 'shard1', host: hosts.shard1, nats: hosts.nats1 },
  { id: 'shard2', host: hosts.shard2, nats: hosts.nats2 },
  { id: 'shard3', host: hosts.shard3, nats: hosts.nats3 },
];

/** The gateway prefers nats1; the operator's own connection from the host prefers nats2 (the one the NATS fault kills). */
export const gatewayNats = hosts.nats1;
export const operatorNats = hosts.nats2;

/**
 * As the operator, before any Lucent process runs: the cluster's JetStream buckets at three replicas
 * (the registry, the bundle store, the chaos document and the rate limits; processes bind to an existing bucket as it
 * is), then the example's compiled versions and default routes in the registry, so the gateway and the
 * shards, which only read it on a secured bus, find them there (their own registering is then a no-op).
 */
export async function prepareCluster(connection: NatsConnection): Promise<void> {
  const registry = await KvRegistryStore.open({ connection, bucket: registryBucketFor(subjectPrefix), replicas: 3 });
  try {
    const example = (file: string): string => pathToFileURL(path.join(root, 'examples/crypto-trading/dist', file)).href;
    const { functionRegistry } = (await import(example('registry/functionRegistry.js'))) as { functionRegistry: Parameters<FunctionManager['register']>[0] };
    const { defaultRoutes } = (await import(example('placement/defaultRoutes.js'))) as { defaultRoutes: readonly RoutingRule[] };
    const manager = new FunctionManager({}).register(functionRegistry);
    const versions = manager.list().flatMap((f) => f.versions.map((v) => manager.lookup(f.name, v)));
    const audit = { who: 'operator@test:scale', why: 'the example deployed on the scale topology' };
    await registerCompiledVersions(registry, versions, audit);
    await seedDefaultRoutes(registry, defaultRoutes, audit);
  } finally {
    await registry.close();
  }
  await NatsBundleStore.open({ connection, bucket: bundleBucketFor(subjectPrefix), replicas: 3 });
  await connection.jetstream().views.kv(chaosBucketFor(subjectPrefix), { history: 16, replicas: 3 });
  await connection.jetstream().views.kv(limitsBucketFor(subjectPrefix), { history: 16, replicas: 3 });
}

/** Replicas of each bucket's stream as the cluster reports them (all three are 3 on a correct topology). */
export async function bucketReplicas(connection: NatsConnection): Promise<Record<string, number>> {
  const jsm = await connection.jetstreamManager();
  const out: Record<string, number> = {};
  for (const stream of [`KV_${registryBucketFor(subjectPrefix)}`, `OBJ_${bundleBucketFor(subjectPrefix)}`, `KV_${chaosBucketFor(subjectPrefix)}`, `KV_${limitsBucketFor(subjectPrefix)}`]) {
    out[stream] = (await jsm.streams.info(stream)).config.num_replicas;
  }
  return out;
}

export function operatorConnection(security: BusSecurity | undefined): Promise<NatsConnection> {
  return connectNats({ url: natsUrlsPreferring(operatorNats), name: 'lucent-scale-operator', env: security?.clientEnv('operator') ?? {} });
}

export interface LucentProcesses {
  readonly shards: Map<string, Started>;
  gateway: Started;
}

export async function startShard(ledger: Ledger, dir: string, spec: ShardSpec, natsUrl: string, security: BusSecurity | undefined): Promise<Started> {
  const config = path.join(dir, `${spec.id}.config.json`);
  writeFileSync(
    config,
    JSON.stringify({ id: spec.id, tags: ['arbitrage'], nats: natsUrl, subjectPrefix, reportIntervalMs: 1_000, capacity: { cpu: 4, memory: 4 }, registry: {} }, null, 2),
  );
  const started = startProcess(ledger, {
    role: spec.id,
    command: process.execPath,
    args: [shardScript, config],
    host: spec.host,
    cwd: root,
    logDir: dir,
    env: { ...process.env, LUCENT_NATS_URL: natsUrl, LUCENT_SHARD_ID: spec.id, ...(security?.clientEnv({ shard: spec.id }) ?? {}) },
  });
  await waitForLog(started, '"shard started"', 60_000);
  return started;
}

export interface GatewayStores {
  readonly pgUrl: string;
  readonly redisUrl: string;
}

export async function startGateway(ledger: Ledger, dir: string, stores: GatewayStores, security: BusSecurity | undefined): Promise<Started> {
  const started = startProcess(ledger, {
    role: 'gateway',
    command: process.execPath,
    args: [mainScript],
    host: hosts.gateway,
    cwd: root,
    logDir: dir,
    env: {
      ...process.env,
      HOST: hosts.gateway.address,
      PORT: String(gatewayPort),
      LUCENT_DATA_DIR: path.join(dir, 'gateway-data'),
      LUCENT_PRICE_CRON: 'off',
      LUCENT_NATS_URL: natsUrlsPreferring(gatewayNats),
      LUCENT_NATS_PREFIX: subjectPrefix,
      LUCENT_PG_URL: stores.pgUrl,
      LUCENT_REDIS_URL: stores.redisUrl,
      // Off so the HTTP load needs no token; the admin steps go to the registry directly, as `lucent registry` does.
      LUCENT_AUTH_SECRET: '',
      ...(security?.clientEnv('gateway') ?? {}),
    },
  });
  await waitForLog(started, `service on ${gatewayUrl}`, 90_000);
  return started;
}

export { natsHosts };
