// Start one shard on NATS from a config: connect, serve the functions on the shard's subject, report load.
import { silentLogger, type AnyFunctionDefinition, type FunctionMap, type Logger, type ShardInfo } from '@lucent/core';
import {
  Chaos,
  chaosTransport,
  FunctionManager,
  registerCompiledVersions,
  WorkerPoolExecutor,
  type EventStore,
  type FunctionExecutor,
} from '@lucent/runtime';
import { Shard, ShardRegistry, type ChaosSettings } from '@lucent/runtime/cluster';
import type { LucentMetrics } from '@lucent/runtime';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Service, Subscription } from 'nats';
import { bundleStatusSubject, serveBundleStatus } from '../deploy/bundleStatus.js';
import { NatsBundleStore } from '../deploy/natsBundleStore.js';
import { chaosBucketFor, KvChaos } from '../chaos/kvChaos.js';
import { KvRegistryStore } from '../registry/kvRegistryStore.js';
import { serveShadowReports, shadowReportSubject } from '../registry/shadowReports.js';
import { shardSubjectsRefused, watchSubscriptionRefusals } from '../security/subscriptionRefusals.js';
import { connectNats } from '../transport/connectNats.js';
import { NatsTransport } from '../transport/natsTransport.js';
import { bundleBucketFor, registryBucketFor } from './clusterBuckets.js';
import type { ShardConfig } from './shardConfig.js';
import { registerShardService } from './shardService.js';

export interface StartShardOptions {
  readonly config: ShardConfig;
  /** The functions to host: a map (the module's export) or a ready FunctionManager. */
  readonly functions: FunctionMap | FunctionManager;
  /** Where `heavy` functions run; by default a worker pool built from `config.heavy` when it is set. */
  readonly heavyExecutor?: FunctionExecutor;
  /** Resolves relative paths in the config (the config file's directory); the working directory by default. */
  readonly baseDir?: string;
  /**
   * The system's event store (the caller opens and closes it). With a registry, shadow divergences
   * and tallies are written there, so `shadowReport` sums every shard; without one they stay in
   * this process's metrics.
   */
  readonly eventStore?: EventStore;
  readonly logger?: Logger;
  /** The process's metrics: calls of the functions built here, shadow comparisons and the registry revision go there. */
  readonly metrics?: LucentMetrics;
  /**
   * The shard's chaos (a seeded one in tests). Given, or with a registry in the config, the shard
   * follows its cluster's chaos document (bucket `chaosBucketFor(prefix)`, what `lucent chaos` writes).
   */
  readonly chaos?: Chaos;
}

export interface RunningShard {
  readonly shard: Shard;
  readonly transport: NatsTransport;
  /** Registry watcher, bundle deployer and shadow runner, when the config has `registry` or `bundles`. */
  readonly registry?: ShardRegistry;
  /** The faults this shard's served calls meet, when it follows the chaos document. */
  readonly chaos?: Chaos;
  /** Its registration with the NATS Services API (`lucent-shard`): what `$SRV.PING`, `$SRV.INFO` and `$SRV.STATS` answer. */
  readonly service: Service;
  /** Ready for calls: registered with the Services API, its NATS link up now, not draining. */
  ready(): boolean;
  /** Drain: announce it, finish running calls, close the connection. */
  stop(graceMs?: number): Promise<void>;
}

const chaosSubject = (prefix: string, id: string): string => `${prefix}.shard.${id}.chaos`;

function hosted(map: FunctionMap, only: readonly string[] | undefined): AnyFunctionDefinition[] {
  const all = Object.values(map);
  if (only === undefined) return all;
  const missing = only.filter((name) => !(name in map));
  if (missing.length > 0) throw new Error(`The module has no function named ${missing.join(', ')}`);
  return all.filter((f) => only.includes(f.name));
}

export async function startNatsShard(options: StartShardOptions): Promise<RunningShard> {
  const { config } = options;
  const logger = options.logger ?? silentLogger;
  const baseDir = options.baseDir ?? '.';
  const pool =
    options.heavyExecutor === undefined && config.heavy !== undefined
      ? new WorkerPoolExecutor({
          registryModule: resolve(baseDir, config.heavy.registryModule),
          ...(config.heavy.registryExport === undefined ? {} : { registryExport: config.heavy.registryExport }),
          ...(config.heavy.workerFile === undefined ? {} : { workerFile: resolve(baseDir, config.heavy.workerFile) }),
          ...(config.heavy.maxThreads === undefined ? {} : { maxThreads: config.heavy.maxThreads }),
        })
      : undefined;
  const heavyExecutor = options.heavyExecutor ?? pool;
  const functions =
    options.functions instanceof FunctionManager
      ? options.functions
      : new FunctionManager({
          logger,
          // The shard's live view (load, headroom, peers), read only by functions that read ctx.shard.
          shard: (): ShardInfo => shard.info(),
          idPrefix: `${config.id}-`,
          ...(heavyExecutor === undefined ? {} : { heavyExecutor }),
          ...(options.metrics === undefined ? {} : { observer: options.metrics.functions }),
        }).register(...hosted(options.functions, config.only));
  const connection = await connectNats({ url: config.nats, name: `lucent-shard-${config.id}` });
  // On a secured bus the server may refuse this user the shard's subjects: found before the shard reports itself started.
  const refusals = watchSubscriptionRefusals(connection);
  const transport = new NatsTransport({ connection, subjectPrefix: config.subjectPrefix, ownsConnection: true, logger });
  // Rules and bundles are in place before the shard serves, so its first load report lists every version it hosts.
  let registry: ShardRegistry | undefined;
  let statusReplies: Subscription | undefined;
  let shadowReplies: Subscription | undefined;
  const stores: { close(): Promise<void> }[] = [];
  if (config.registry !== undefined || config.bundles !== undefined) {
    const { registry: registryConfig, bundles: bundlesConfig } = config;
    const publicKey = bundlesConfig === undefined ? undefined : await readFile(resolve(baseDir, bundlesConfig.publicKeyFile), 'utf8');
    const kv =
      registryConfig === undefined
        ? undefined
        : await KvRegistryStore.open({
            connection,
            bucket: registryConfig.bucket ?? registryBucketFor(config.subjectPrefix),
            ...(options.eventStore === undefined ? {} : { eventStore: options.eventStore }),
          });
    if (kv !== undefined) {
      stores.push(kv);
      // A fresh cluster's registry lists every compiled-in function; an existing entry's traffic is never moved.
      const definitions = functions.list().flatMap((f) => f.versions.map((v) => functions.lookup(f.name, v)));
      const registered = await registerCompiledVersions(kv, definitions, { who: `shard@${config.id}`, why: 'compiled into the shard at start' });
      for (const r of registered) {
        if (r.outcome === 'refused') logger.error('compiled-in version not registered', { function: r.name, version: r.version, error: r.error?.message });
      }
    }
    const bundleStore =
      bundlesConfig === undefined
        ? undefined
        : await NatsBundleStore.open({ connection, bucket: bundlesConfig.bucket ?? bundleBucketFor(config.subjectPrefix) });
    if (bundleStore !== undefined) stores.push(bundleStore);
    registry = new ShardRegistry({
      manager: functions,
      nodeId: config.id,
      logger,
      ...(kv === undefined ? {} : { registry: kv }),
      ...(kv === undefined
        ? {}
        : {
            shadow: {
              ...(options.eventStore === undefined ? {} : { eventStore: options.eventStore }),
              // The shadow runner's counter joins the process's metrics registry when there is one.
              ...(options.metrics === undefined ? {} : { metrics: options.metrics.registry }),
              ...(registryConfig?.shadow?.sampleRate === undefined ? {} : { sampleRate: registryConfig.shadow.sampleRate }),
              ...(registryConfig?.shadow?.maxInFlight === undefined ? {} : { maxInFlight: registryConfig.shadow.maxInFlight }),
            },
          }),
      ...(bundleStore === undefined || publicKey === undefined ? {} : { bundles: { store: bundleStore, publicKey } }),
    });
    await registry.start();
    if (registry.deployer !== undefined && bundlesConfig !== undefined) {
      // Publishers and `lucent registry bundles` ask here what this shard made of each bundle.
      const subject = bundleStatusSubject(config.subjectPrefix, bundlesConfig.bucket ?? bundleBucketFor(config.subjectPrefix));
      statusReplies = serveBundleStatus(connection, subject, config.id, registry.deployer);
    }
    // `lucent registry shadow-report` asks every shard for its comparisons (no database needed).
    if (registry.shadow !== undefined) shadowReplies = serveShadowReports(connection, shadowReportSubject(config.subjectPrefix), config.id, registry.shadow);
    if (registry.watcher !== undefined) options.metrics?.registryWatcher(registry.watcher);
  }
  // Off until the document says otherwise; refused in production unless LUCENT_CHAOS_ALLOWED=1.
  const chaos = options.chaos ?? (config.registry === undefined ? undefined : new Chaos({ logger }));
  let chaosFollower: KvChaos | undefined;
  if (chaos !== undefined) {
    chaosFollower = await KvChaos.open({ connection, bucket: chaosBucketFor(config.subjectPrefix), logger });
    await chaosFollower.follow(chaos);
    options.metrics?.chaos(chaos);
  }
  const shard: Shard = new Shard({
    id: config.id,
    tags: config.tags,
    functions,
    transport: chaos === undefined ? transport : chaosTransport(transport, chaos),
    reportIntervalMs: config.reportIntervalMs,
    ...(config.capacity === undefined ? {} : { capacity: config.capacity }),
    ...(config.chaos === undefined ? {} : { chaos: config.chaos }),
  });
  if (config.chaosControl) {
    connection.subscribe(chaosSubject(config.subjectPrefix, config.id), {
      callback: (error, msg) => {
        if (error) return;
        try {
          shard.setChaos(JSON.parse(new TextDecoder().decode(msg.data)) as ChaosSettings);
          if (msg.reply) msg.respond(new TextEncoder().encode('{"ok":true}'));
        } catch {
          if (msg.reply) msg.respond(new TextEncoder().encode('{"ok":false}'));
        }
      },
    });
  }
  await shard.start();
  const service = await registerShardService({ connection, shard, functions, prefix: config.subjectPrefix });
  let stopping = false;
  const running: RunningShard = {
    shard,
    transport,
    ...(registry === undefined ? {} : { registry }),
    ...(chaos === undefined ? {} : { chaos }),
    service,
    // linkDownSince(+∞) is true only while the link is down right now.
    ready: () => !stopping && !service.isStopped && !connection.isClosed() && !transport.linkDownSince(Number.POSITIVE_INFINITY),
    stop: async (graceMs = 5_000) => {
      stopping = true;
      // Off the Services API first: tooling stops listing a shard that is going.
      await service.stop().catch(() => undefined);
      await shard.stop(graceMs);
      chaosFollower?.close();
      statusReplies?.unsubscribe();
      shadowReplies?.unsubscribe();
      await registry?.stop();
      for (const store of stores) await store.close();
      await transport.close();
      await pool?.close();
    },
  };
  const refused = await refusals.settle();
  if (refused.length > 0) {
    await running.stop(0);
    throw shardSubjectsRefused(config.id, refused);
  }
  logger.info('shard started', { shard: config.id, tags: config.tags, functions: functions.list().length, prefix: config.subjectPrefix });
  return running;
}

/** Change a running shard's chaos settings from outside (its config must allow it). Resolves once applied. */
export async function setShardChaos(transport: NatsTransport, shardId: string, chaos: ChaosSettings): Promise<void> {
  const reply = await transport.connection.request(chaosSubject(transport.prefix, shardId), new TextEncoder().encode(JSON.stringify(chaos)), {
    timeout: 2_000,
  });
  if (!new TextDecoder().decode(reply.data).includes('"ok":true')) throw new Error(`Shard ${shardId} refused the chaos settings`);
}
