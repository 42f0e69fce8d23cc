// The operator console's sources in this service: the topology's registry, shards and bundles, the stores, and the calls the service made.
import type { Invoker } from '@lucent/runtime';
import type { CallLog, LucentConsoleOptions } from '@lucent/nestjs';
import type { Infrastructure } from './managers/infrastructure.js';
import type { Topology } from './topology.js';

const databases = { postgres: 'PostgreSQL', 'pglite-disk': 'embedded PGlite on disk', 'pglite-memory': 'embedded PGlite in memory' } as const;

/** Everything /console reads but the admin API flag, which AppModule sets from what it mounts. */
export function consoleSources(deps: {
  readonly topology: Topology;
  readonly infrastructure: Pick<Infrastructure, 'events' | 'views' | 'description'>;
  readonly invoker: Invoker;
  readonly calls: CallLog;
}): LucentConsoleOptions {
  const { topology, infrastructure, invoker, calls } = deps;
  const { mode, registry } = topology.description;
  return {
    service: { name: 'crypto-trading', version: '0.1.0', mode },
    functions: () => invoker.list(),
    registry: topology.registry,
    calls,
    // Embedded, this process is the one shard; otherwise it is the gateway and the shards report over the transport.
    self: mode === 'embedded' ? { id: 'local', role: 'shard' } : { id: 'gateway', role: 'gateway' },
    ...(topology.cluster === undefined ? {} : { cluster: topology.cluster }),
    stores: [
      { name: 'eventStore', probe: () => infrastructure.events.streamVersion('$health'), detail: databases[infrastructure.description.database] },
      {
        name: 'projections',
        probe: () => infrastructure.views.get('$health', 'probe'),
        detail: infrastructure.description.projections === 'redis' ? 'Redis' : 'in memory',
      },
      { name: 'nats', ...(topology.natsProbe === undefined ? {} : { probe: topology.natsProbe }), detail: topology.description.transport },
      { name: 'registry', probe: () => topology.registry.get('console-probe'), detail: registry },
    ],
    ...(topology.bundles === undefined ? {} : { bundles: topology.bundles }),
    shadowReports: (name) => topology.shadowReport(name),
  };
}
