// `lucent shard --config file.json`: run one shard process on NATS, hosting the functions of the config's module.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isFunctionDefinition, type FunctionMap } from '@lucent/core';
import { createLogger, LucentMetrics, serveMetrics, startTracing, type MetricsServer } from '@lucent/runtime';
import { bundleBucketFor, parseShardConfig, registryBucketFor, startNatsShard, type ShardConfig } from '@lucent/nats';
import { parseCommandArgs, type Command } from './command.js';

/** The module's function map: its `functions` export, else `functionRegistry`, else its default export. */
async function loadFunctions(modulePath: string): Promise<FunctionMap> {
  const mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  const map = mod['functions'] ?? mod['functionRegistry'] ?? mod['default'];
  if (typeof map !== 'object' || map === null || !Object.values(map).some(isFunctionDefinition)) {
    throw new Error(`${modulePath} exports no function map (expected \`functions\` or \`functionRegistry\`)`);
  }
  return map as FunctionMap;
}

/**
 * Flags for the registry and bundle settings. A flag's path is relative to the working directory,
 * where the shell resolved it, unlike a path in the file (relative to the file).
 */
function registryOverrides(
  raw: Record<string, unknown>,
  registryBucket: string | undefined,
  bundleBucket: string | undefined,
  publicKey: string | undefined,
): Partial<ShardConfig> {
  const fileBundles = (raw['bundles'] ?? {}) as Record<string, unknown>;
  const bundles =
    bundleBucket === undefined && publicKey === undefined
      ? undefined
      : {
          ...fileBundles,
          ...(bundleBucket === undefined ? {} : { bucket: bundleBucket }),
          ...(publicKey === undefined ? {} : { publicKeyFile: resolve(publicKey) }),
        };
  return {
    ...(registryBucket === undefined ? {} : { registry: { ...((raw['registry'] ?? {}) as object), bucket: registryBucket } }),
    ...(bundles === undefined ? {} : { bundles: bundles as unknown as NonNullable<ShardConfig['bundles']> }),
  };
}

const flags =
  '--config file.json [--id ID] [--tags a,b] [--nats URL] [--prefix P] [--registry-bucket B] [--bundle-bucket B --public-key FILE] [--database URL [--schema S]] [--metrics-port N [--metrics-host H]] [--drain-timeout MS]';

export const shardCommand: Command = {
  usage: `usage: lucent shard ${flags} [--quiet]
  --config FILE          the shard's JSON config (docs/distribution.md lists its keys); flags override it
  --prefix P             the cluster's subject prefix; it also names the registry (P-registry) and bundle (P_bundles) buckets
  --registry-bucket B, --bundle-bucket B, --public-key FILE   override the config's registry and bundles settings
  --database URL         the system's event store, where shadow results are also written (else they live in this process until it stops)
  --metrics-port N       serve /metrics, /health/live and /health/ready on port N, bound to --metrics-host (default 127.0.0.1;
                         0.0.0.0 in a container, so kubelet probes and a scraper on the pod's address reach it)
The shard registers the functions compiled into it in the registry when it starts, then serves until SIGINT/SIGTERM.`,
  async run(argv) {
    const parsed = parseCommandArgs('shard', argv, {
      config: { type: 'string' },
      id: { type: 'string' },
      tags: { type: 'string' },
      nats: { type: 'string' },
      prefix: { type: 'string' },
      'registry-bucket': { type: 'string' },
      'bundle-bucket': { type: 'string' },
      'public-key': { type: 'string' },
      database: { type: 'string' },
      schema: { type: 'string' },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string' },
      'drain-timeout': { type: 'string', default: '10000' },
      quiet: { type: 'boolean', default: false },
    }, `usage: lucent shard ${flags} [--quiet]`);
    if (parsed === undefined) return 2;
    const { values } = parsed;
    if (values.config === undefined) {
      console.error('lucent shard: --config file.json is required');
      return 2;
    }
    const metricsPort = values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']);
    if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort < 65_536)) {
      console.error(`lucent shard: --metrics-port takes a port number (0-65535), not ${values['metrics-port']}`);
      return 2;
    }
    const metricsHost = values['metrics-host'] ?? '127.0.0.1';
    if (values['metrics-host'] !== undefined && metricsPort === undefined) {
      console.error('lucent shard: --metrics-host needs --metrics-port');
      return 2;
    }
    const drainTimeoutMs = Number(values['drain-timeout']);
    if (!(Number.isInteger(drainTimeoutMs) && drainTimeoutMs >= 0)) {
      console.error(`lucent shard: --drain-timeout takes milliseconds (a whole number), not ${values['drain-timeout']}`);
      return 2;
    }
    const configPath = resolve(values.config);
    const raw = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    const overrides: Partial<ShardConfig> = {
      ...registryOverrides(raw, values['registry-bucket'], values['bundle-bucket'], values['public-key']),
      ...(values.id === undefined ? {} : { id: values.id }),
      ...(values.tags === undefined ? {} : { tags: values.tags.split(',').filter(Boolean) }),
      ...(values.nats === undefined ? {} : { nats: values.nats }),
      ...(values.prefix === undefined ? {} : { subjectPrefix: values.prefix }),
    };
    const config = parseShardConfig(raw, overrides);
    if (config.module === undefined) {
      console.error(`lucent shard: ${values.config} names no "module" exporting the functions to host`);
      return 2;
    }
    const baseDir = dirname(configPath);
    const functions = await loadFunctions(resolve(baseDir, config.module));
    // A shard is a server: from here on it writes pino JSON lines only (stdout), with its id on each.
    // --quiet keeps warnings and errors. Usage errors above stay plain text for the person typing.
    const logger = createLogger({ ...(values.quiet ? { level: 'warn' } : {}), base: { pid: process.pid, shard: config.id } });
    // The system's event store, as `lucent registry --database` uses: shadow results of every shard land in one place.
    // Loaded only when asked for: a shard without --database never loads PostgreSQL's client.
    const eventStore =
      values.database === undefined ? undefined : await (await import('../systemEventStore.js')).openSystemEventStore(values.database, values.schema);
    if (eventStore === undefined && config.registry !== undefined) {
      logger.info('no --database given: shadow results are kept in this process until it stops (served to `lucent registry shadow-report --nats`, and in metrics)');
    }
    const metrics = metricsPort === undefined ? undefined : new LucentMetrics({ shard: config.id });
    // Off unless OTEL_TRACES_EXPORTER or LUCENT_TRACES_FILE names an exporter (docs/operations.md, Tracing).
    const tracing = await startTracing({ serviceName: 'lucent-shard', attributes: { 'lucent.shard.id': config.id } });
    let running: Awaited<ReturnType<typeof startNatsShard>>;
    let metricsServer: MetricsServer | undefined;
    try {
      running = await startNatsShard({
        config,
        functions,
        baseDir,
        logger,
        ...(eventStore === undefined ? {} : { eventStore }),
        ...(metrics === undefined ? {} : { metrics }),
      });
      // Loopback unless --metrics-host says otherwise (a pod's probes and scraper come from outside it).
      if (metrics !== undefined && metricsPort !== undefined) {
        metricsServer = await serveMetrics(metrics.registry, { port: metricsPort, host: metricsHost, ready: () => running.ready() });
      }
    } catch (error) {
      await eventStore?.close();
      await tracing?.shutdown();
      throw error;
    }
    const hosted = Object.keys(running.shard.report().functions).length;
    const follows = [
      ...(config.registry === undefined ? [] : [`registry ${config.registry.bucket ?? registryBucketFor(config.subjectPrefix)}`]),
      ...(config.bundles === undefined ? [] : [`bundles ${config.bundles.bucket ?? bundleBucketFor(config.subjectPrefix)}`]),
    ];
    logger.info('shard serving', {
      functions: hosted,
      tags: config.tags,
      nats: config.nats,
      subjects: `${config.subjectPrefix}.shard.${config.id}.*`,
      ...(follows.length === 0 ? {} : { following: follows }),
      ...(eventStore === undefined ? {} : { shadowSchema: eventStore.schema }),
      ...(metricsServer === undefined ? {} : { metrics: `http://${metricsHost}:${metricsServer.port}/metrics` }),
    });
    await new Promise<void>((done) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => done());
    });
    // Drain: the shard announces it (callers route elsewhere), stops taking calls, and waits for the
    // running ones up to the drain timeout; then the connections close.
    const inFlight = running.shard.callsInFlight;
    logger.info('shard draining', { inFlight, drainTimeoutMs });
    const started = Date.now();
    await running.stop(drainTimeoutMs);
    const cut = running.shard.callsInFlight;
    await metricsServer?.close();
    await eventStore?.close();
    // The spans of the last calls are exported before the process ends.
    await tracing?.shutdown();
    if (cut > 0) {
      logger.warn('shard stopped with calls still running after the drain timeout', { cut, drainTimeoutMs });
      return 1;
    }
    logger.info('shard stopped', { drainedMs: Date.now() - started, drained: inFlight });
    return 0;
  },
};
