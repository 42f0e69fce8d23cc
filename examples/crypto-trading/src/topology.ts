// Where the service's functions run: embedded (this process), a gateway over NATS to shards, or in-process shards (the demo without servers).
import { readFile } from 'node:fs/promises';
import type { Logger } from '@lucent/core';
import {
  FileBundleStore,
  FunctionManager,
  InProcessTransport,
  MemoryRegistryStore,
  RegistryWatcher,
  RoutedInvoker,
  ShadowRunner,
  mergeShadowReports,
  registerCompiledVersions,
  seedDefaultRoutes,
  type Chaos,
  type RateLimits,
  type EventStore,
  type FunctionObserver,
  type Invoker,
  type RegistryStore,
  type ShadowPairReport,
  type Transport,
} from '@lucent/runtime';
import { ClusterClient, ClusterRegistry, Shard, ShardRegistry } from '@lucent/runtime/cluster';
import { bundleRows, type ConsoleBundle } from '@lucent/nestjs';
import { askShadowReports, chaosBucketFor, connectNats, KvChaos, KvRateLimits, KvRegistryStore, limitsBucketFor, NatsTransport, registryBucketFor, shadowReportSubject } from '@lucent/nats';
import { defaultRoutes } from './placement/defaultRoutes.js';
import { functionRegistry } from './registry/functionRegistry.js';

/** One shard hosted inside this process (the demo's fallback when no NATS server is reachable). */
export interface InProcessShardSpec {
  readonly id: string;
  readonly tags: readonly string[];
}

export interface TopologyConfig {
  /** NATS server(s): the service becomes a gateway and functions run on shards (`lucent cluster`, `lucent shard`). */
  readonly natsUrl?: string;
  /** The cluster's subject prefix; it also names the registry bucket `<prefix>-registry` (default `lucent`). */
  readonly natsPrefix?: string;
  /** Without NATS: host these shards in this process, over the in-process transport. */
  readonly inProcessShards?: readonly InProcessShardSpec[];
  /** What the gateway may run itself (names or `prefix.*`); none when absent: every call goes to a shard. */
  readonly gatewayLocal?: readonly string[];
  /** In-process shards load bundles published with `lucent publish --data-dir DIR` (verified with this key). */
  readonly bundleDir?: string;
  readonly publicKeyFile?: string;
  /** Shards' load report period (ms) the router expects; in-process shards use it too (default 1000). */
  readonly reportIntervalMs?: number;
  /**
   * Longest wait for one shard before the call is tried on another; by default half of the call's
   * remaining budget. A short cap looked attractive for a killed shard's calls, but on a loaded
   * machine it retried slow-but-healthy calls and doubled the load (249 of 10,000 calls timed out at 250 ms).
   */
  readonly attemptTimeoutMs?: number;
}

/** What the start banner names. */
export interface TopologyDescription {
  readonly transport: string;
  readonly registry: string;
  readonly mode: 'embedded' | 'gateway' | 'in-process-shards';
}

export interface Topology {
  /** How every consumer (HTTP, managers, sagas, scheduler handlers) calls functions. */
  readonly invoker: Invoker;
  /** The functions this process hosts itself (all of them; the router decides when it may use them). */
  readonly local: FunctionManager;
  /** The registry operators steer (the admin API mounts it). */
  readonly registry: RegistryStore;
  readonly description: TopologyDescription;
  /** The cluster client when functions run on shards. */
  readonly cluster?: ClusterClient;
  /** In-process shards by id (the demo stops one abruptly to show failover). */
  readonly shards: ReadonlyMap<string, Shard>;
  /** A round trip to the NATS server (the console's store status); absent without NATS. */
  readonly natsProbe?: () => Promise<unknown>;
  /** What each in-process shard's bundle deployer made of the published bundles (the console's bundles view); absent without `bundleDir`. */
  readonly bundles?: () => ConsoleBundle[];
  /** How `name`'s shadow versions compare where they run (the admin API's shadow-report), and where the counts come from. */
  shadowReport(name: string): Promise<{ readonly source: string; readonly pairs: readonly ShadowPairReport[] }>;
  close(): Promise<void>;
}

export interface TopologyDeps {
  readonly logger: Logger;
  /** The service's event store: registry changes are audited there. */
  readonly events: EventStore;
  readonly observer?: FunctionObserver;
  /** On NATS, set from the cluster's chaos document (`lucent chaos`): the faults the service's dependency calls meet. */
  readonly chaos?: Chaos;
  /** On NATS, replaced by the cluster's stored rate limits once there are any (`lucent limits`); until then the configured ones hold. */
  readonly rateLimits?: RateLimits;
}

const everyVersion = (manager: FunctionManager) => manager.list().flatMap((f) => f.versions.map((v) => manager.lookup(f.name, v)));

/** Register the compiled-in versions (idempotent, never moving traffic), then follow the rules on `manager`. */
async function follow(store: RegistryStore, manager: FunctionManager, who: string, logger: Logger): Promise<RegistryWatcher> {
  const registered = await registerCompiledVersions(store, everyVersion(manager), { who, why: 'compiled into the service at start' });
  for (const r of registered) {
    if (r.outcome === 'refused') logger.error('compiled-in version not registered', { function: r.name, version: r.version, error: r.error?.message });
  }
  // Default routes only for functions that never had any: an operator's routes survive restarts.
  await seedDefaultRoutes(store, defaultRoutes, { who, why: 'default routes of the crypto service' });
  const watcher = new RegistryWatcher({ store, manager, logger });
  await watcher.start();
  return watcher;
}

/**
 * Open the topology the configuration asks for. With `natsUrl` the service is a gateway: calls go
 * through a RoutedInvoker (here only where the registry's placement allows, else the best shard
 * over NATS), rules come from the NATS KV registry. With `inProcessShards` the same happens over the
 * in-process transport. Otherwise everything runs here, steered by an in-memory registry.
 */
export async function openTopology(config: TopologyConfig, deps: TopologyDeps): Promise<Topology> {
  const { logger } = deps;
  const gateway = config.natsUrl !== undefined || (config.inProcessShards ?? []).length > 0;
  // A gateway's own calls answer `x-lucent-shard: gateway`; an embedded service's `local`.
  const local = new FunctionManager({
    logger,
    ...(gateway ? { shard: { id: 'gateway', load: 0, peers: [], tags: [] } } : {}),
    ...(deps.observer === undefined ? {} : { observer: deps.observer }),
  }).register(functionRegistry);
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch((error: unknown) => logger.warn('closing the topology', { error: String(error) }));
    closers.length = 0;
  };
  try {
    if (!gateway) {
      const registry = new MemoryRegistryStore({ eventStore: deps.events });
      const watcher = await follow(registry, local, 'service', logger);
      closers.push(() => watcher.stop());
      // Shadow versions the registry names run here too, compared after the live answer is sent.
      const shadows = new ShadowRunner({ manager: local, logger }).start();
      closers.push(() => shadows.stop());
      const shadowReport = (name: string) => Promise.resolve({ source: 'this process, since it started', pairs: shadows.localReport(name) });
      const description: TopologyDescription = { mode: 'embedded', transport: 'none (every function runs in this process)', registry: 'in memory' };
      return { invoker: local, local, registry, shards: new Map(), description, shadowReport, close };
    }

    let transport: Transport;
    let registry: RegistryStore;
    let description: TopologyDescription;
    const shards = new Map<string, Shard>();
    let shadowReport: Topology['shadowReport'];
    let natsProbe: Topology['natsProbe'];
    let bundles: Topology['bundles'];
    if (config.natsUrl !== undefined) {
      const prefix = config.natsPrefix ?? 'lucent';
      const connection = await connectNats({ url: config.natsUrl, name: 'lucent-gateway' });
      const nats = new NatsTransport({ connection, subjectPrefix: prefix, ownsConnection: true, logger });
      closers.push(() => nats.close());
      transport = nats;
      natsProbe = () => connection.flush();
      const bucket = registryBucketFor(prefix);
      const kv = await KvRegistryStore.open({ connection, bucket, eventStore: deps.events });
      closers.push(() => kv.close());
      registry = kv;
      if (deps.chaos !== undefined) {
        const chaos = await KvChaos.open({ connection, bucket: chaosBucketFor(prefix), logger });
        await chaos.follow(deps.chaos);
        closers.push(() => Promise.resolve(chaos.close()));
      }
      if (deps.rateLimits !== undefined) {
        const limits = await KvRateLimits.open({ connection, bucket: limitsBucketFor(prefix), logger });
        await limits.follow(deps.rateLimits);
        closers.push(() => Promise.resolve(limits.close()));
      }
      // Every shard answers for its own shadow runs since it started (`lucent registry shadow-report` asks the same).
      shadowReport = async (name) => {
        const answers = await askShadowReports(connection, shadowReportSubject(prefix), name);
        const source = answers.length === 0 ? `no shard answered under prefix ${prefix}` : `${answers.length} shards (${answers.map((a) => a.shard).join(', ')}), since each started`;
        return { source, pairs: mergeShadowReports(answers.map((a) => a.pairs)) };
      };
      description = { mode: 'gateway', transport: `NATS ${config.natsUrl} (subjects ${prefix}.*)`, registry: `NATS KV bucket ${bucket}` };
    } else {
      const inProcess = new InProcessTransport();
      closers.push(() => inProcess.close());
      transport = inProcess;
      const memory = new MemoryRegistryStore({ eventStore: deps.events });
      registry = memory;
      const shardRegistries: ShardRegistry[] = [];
      const publicKey = config.publicKeyFile === undefined ? undefined : await readFile(config.publicKeyFile, 'utf8');
      for (const spec of config.inProcessShards ?? []) {
        const manager = new FunctionManager({ logger, shard: { id: spec.id, load: 0, peers: [] }, idPrefix: `${spec.id}-` }).register(functionRegistry);
        const bundles =
          config.bundleDir === undefined || publicKey === undefined ? undefined : { store: new FileBundleStore({ dir: config.bundleDir }), publicKey };
        const shardRegistry = new ShardRegistry({ manager, nodeId: spec.id, logger, registry: memory, ...(bundles === undefined ? {} : { bundles }) });
        await registerCompiledVersions(memory, everyVersion(manager), { who: `shard@${spec.id}`, why: 'compiled into the shard at start' });
        await shardRegistry.start();
        shardRegistries.push(shardRegistry);
        const shard = new Shard({ id: spec.id, tags: spec.tags, functions: manager, transport, reportIntervalMs: config.reportIntervalMs ?? 1_000 });
        await shard.start();
        shards.set(spec.id, shard);
        closers.push(async () => {
          await shard.stop(1_000);
          await shardRegistry.stop();
        });
      }
      const runners = [...shardRegistries];
      if (config.bundleDir !== undefined && publicKey !== undefined) {
        const ids = (config.inProcessShards ?? []).map((spec) => spec.id);
        bundles = () => runners.flatMap((r, i) => (r.deployer === undefined ? [] : bundleRows(ids[i]!, r.deployer.states())));
      }
      shadowReport = (name) =>
        Promise.resolve({ source: `${runners.length} in-process shards, since they started`, pairs: mergeShadowReports(runners.map((r) => r.shadow?.localReport(name) ?? [])) });
      description = {
        mode: 'in-process-shards',
        transport: `in-process (${[...shards.values()].map((s) => `${s.id}[${s.tags.join(',')}]`).join(' ')})`,
        registry: 'in memory',
      };
    }
    const watcher = await follow(registry, local, 'gateway', logger);
    closers.push(() => watcher.stop());
    // The gateway's own watcher is the rules source of its router too: one view of the registry.
    const view = new ClusterRegistry(watcher);
    const cluster = new ClusterClient({
      transport,
      functions: functionRegistry,
      registry: view,
      logger,
      liveness: { intervalMs: config.reportIntervalMs ?? 1_000, missedReports: 3 },
      ...(config.attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs: config.attemptTimeoutMs }),
      idPrefix: `gw-${process.pid.toString(36)}-${Date.now().toString(36)}-`,
    });
    closers.push(() => cluster.close());
    // Here only for the functions the configuration lets the gateway run (none by default), when this
    // process hosts the selected version and the registry's placement lets an untagged process named
    // `gateway` take the call; everything else goes to the best shard.
    const invoker = new RoutedInvoker({ local, remote: cluster, id: 'gateway', tags: [], runHere: config.gatewayLocal ?? [] });
    return {
      invoker,
      local,
      registry,
      cluster,
      shards,
      description,
      shadowReport,
      ...(natsProbe === undefined ? {} : { natsProbe }),
      ...(bundles === undefined ? {} : { bundles }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
