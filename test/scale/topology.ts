// Bring the whole scale topology up (network, NATS cluster, PostgreSQL, Redis, shards, gateway), recording each part in the ledger as it starts.
import { chmodSync, mkdtempSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from 'nats';
import type { Ledger } from './ledger.js';
import { bucketReplicas, prepareCluster, gatewayUrl, operatorConnection, shardSpecs, startGateway, startShard, type ShardSpec } from './lucent.js';
import { createNetwork, hostAddress, hosts, netemAvailable } from './network.js';
import { startProcess, waitForLog, type Started } from './processes.js';
import { securedBus, type SecuredBus } from './security.js';
import { natsUrlOf, natsUrlsPreferring, startNatsCluster, startPostgres, type NatsServer, type PrivatePostgres } from './servers.js';
import { PrivateRedisCluster } from '../../packages/redis/src/testing/privateRedisCluster.js';

export interface Topology {
  readonly ledger: Ledger;
  readonly dir: string;
  readonly security: SecuredBus | undefined;
  readonly nats: NatsServer[];
  readonly postgres: PrivatePostgres;
  /** Three masters and three replicas on the bridge address; LUCENT_REDIS_URL lists them all as seeds. */
  readonly redis: PrivateRedisCluster;
  readonly shards: Map<string, Started>;
  readonly gateway: Started;
  /** The operator's connection from the host (registry writes, checks). */
  readonly operator: NatsConnection;
  /** How the impaired-link fault is made: netem in the kernel, or a relay process in front of each shard's NATS link (by shard id). */
  readonly linkFault: { readonly kind: 'netem' } | { readonly kind: 'relay'; readonly relays: ReadonlyMap<string, Started> };
  readonly replicas: Record<string, number>;
}

const relayPort = 14222;

/** JetStream answers once the cluster has elected its meta leader; until then account info fails. */
async function jetStreamReady(connection: NatsConnection, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await (await connection.jetstreamManager()).getAccountInfo();
      return;
    } catch (error) {
      if (Date.now() > until) throw new Error(`JetStream of the NATS cluster not ready within ${timeoutMs} ms: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function retrying<T>(what: string, timeoutMs: number, attempt: () => Promise<T>): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > until) throw new Error(`${what} failed for ${timeoutMs} ms: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * The Redis kit's temp dir, from a node's working directory (redis-server changes into its `--dir`,
 * `<kit dir>/<port>`; its command line is rewritten to its title), so `--down` from another shell removes it too.
 */
function redisKitDir(pid: number | undefined): string | undefined {
  if (pid === undefined) return undefined;
  try {
    return path.dirname(readlinkSync(`/proc/${pid}/cwd`));
  } catch {
    return undefined;
  }
}

export async function bringUp(ledger: Ledger, options: { readonly secure: boolean }, log: (line: string) => void): Promise<Topology> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lucent-scale-'));
  // The private PostgreSQL runs as the `postgres` user, which must reach its data dir inside.
  chmodSync(dir, 0o755);
  ledger.setDir(dir);
  log(`  logs and data in ${dir}`);
  const security = options.secure ? await securedBus(dir) : undefined;
  log(security === undefined ? '  NATS: an open bus (--open-bus): no TLS, no accounts' : `  NATS: ${security.description}`);
  createNetwork(ledger);
  log(`  bridge lcs-br0 10.77.0.1/24; namespaces ${Object.values(hosts).map((h) => `${h.namespace} ${h.address}`).join(', ')}`);
  const [nats, postgres, redis] = await Promise.all([
    startNatsCluster(ledger, dir, security),
    startPostgres(ledger, dir),
    PrivateRedisCluster.create({ host: hostAddress, masters: 3, replicasPerMaster: 1 }).then((cluster) => {
      ledger.beforeTeardown(() => cluster.stop());
      for (const node of cluster.nodes) if (node.pid !== undefined) ledger.process(node.pid, `redis-${node.port}`);
      const kitDir = redisKitDir(cluster.nodes[0]?.pid);
      if (kitDir !== undefined) ledger.otherDir(kitDir);
      return cluster;
    }),
  ]);
  log(`  nats-server ×3 clustered by routes with JetStream; PostgreSQL ${postgres.url} (pid ${postgres.pid()}); Redis Cluster ${redis.urls.join(',')} (3 masters, 3 replicas)`);
  const operator = await operatorConnection(security);
  await jetStreamReady(operator, 30_000);
  await retrying('creating the buckets at 3 replicas and registering the example', 30_000, () => prepareCluster(operator));
  const replicas = await bucketReplicas(operator);
  log(`  buckets ${Object.entries(replicas).map(([s, r]) => `${s} R${r}`).join(', ')}`);

  let linkFault: Topology['linkFault'] = { kind: 'netem' };
  if (!netemAvailable()) {
    // No netem in this kernel: each shard reaches its NATS server through a relay on its own host that can add
    // delay and loss. Every shard, so that the healthy topology stays symmetric and only the fault tells them apart.
    const relays = new Map<string, Started>();
    for (const spec of shardSpecs) {
      const relay = startProcess(ledger, {
        role: `${spec.id}-link-relay`,
        command: process.execPath,
        args: [...process.execArgv, path.join(path.dirname(fileURLToPath(import.meta.url)), 'linkRelay.ts'), '127.0.0.1', String(relayPort), spec.nats.address, '4222', '100', '5'],
        host: spec.host,
        logDir: dir,
      });
      relays.set(spec.id, relay);
    }
    for (const relay of relays.values()) await waitForLog(relay, 'ready', 20_000);
    linkFault = { kind: 'relay', relays };
    log(`  no netem in this kernel: each shard reaches its NATS server through a relay on its own host (pids ${[...relays.values()].map((r) => r.pid).join(', ')}) that can add delay and loss`);
  }
  const urlOf = (spec: ShardSpec): string =>
    linkFault.kind === 'relay'
      ? [`nats://127.0.0.1:${relayPort}`, ...nats.filter((s) => s.host !== spec.nats).map((s) => natsUrlOf(s.host))].join(',')
      : natsUrlsPreferring(spec.nats);
  const shardList = await Promise.all(shardSpecs.map(async (spec) => [spec.id, await startShard(ledger, dir, spec, urlOf(spec), security)] as const));
  const shards = new Map(shardList);
  log(`  shards ${shardSpecs.map((s) => `${s.id}@${s.host.address}→${s.nats.name}`).join(', ')}`);
  const gateway = await startGateway(ledger, dir, { pgUrl: postgres.url, redisUrl: redis.urls.join(',') }, security);
  log(`  gateway ${gatewayUrl} (pid ${gateway.pid})`);
  return { ledger, dir, security, nats, postgres, redis, shards, gateway, operator, linkFault, replicas };
}
