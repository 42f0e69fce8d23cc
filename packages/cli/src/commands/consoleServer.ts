// The process behind `lucent console`: NATS (load reports, registry KV), the PostgreSQL event and timer stores, and the console module on Fastify.
import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mergeShadowReports, RegistryWatcher, type EventStore, type TimerStore } from '@lucent/runtime';
import { ClusterClient, ClusterRegistry } from '@lucent/runtime/cluster';
import { askShadowReports, connectNats, KvRegistryStore, NatsTransport, registryBucketFor, shadowReportSubject } from '@lucent/nats';
import { createPostgresTimerStore } from '@lucent/postgres';
import { createLucentApp, drainHttp, LucentAdminModule, LucentConsoleModule, LucentModule, type ConsoleStore, type LucentConsoleOptions, type LucentAuthOptions } from '@lucent/nestjs';
import { openSystemEventStore } from '../systemEventStore.js';

export interface ConsoleServerOptions {
  readonly natsUrl: string;
  readonly prefix: string;
  readonly port: number;
  readonly host: string;
  readonly database?: string;
  readonly schema?: string;
  readonly staticDir?: string;
  readonly sagaRunners?: readonly string[];
  /** Token verification, as the services of the cluster have it; absent: open and read-only. */
  readonly auth?: LucentAuthOptions;
}

export interface ConsoleServer {
  readonly app: NestFastifyApplication;
  /** The port it listens on (the one asked for, or the one given for port 0). */
  readonly port: number;
  close(): Promise<void>;
}

@Module({})
class ConsoleServerModule {
  static forRoot(imports: DynamicModule[]): DynamicModule {
    return { module: ConsoleServerModule, imports };
  }
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    closers.length = 0;
  };
  try {
    const connection = await connectNats({ url: options.natsUrl, name: 'lucent-console' });
    closers.push(() => connection.close());
    const events: EventStore | undefined = await openSystemEventStore(options.database, options.schema);
    if (events !== undefined) closers.push(() => (events as EventStore & { close(): Promise<void> }).close());
    let timers: TimerStore | undefined;
    if (options.database !== undefined) {
      const store = await createPostgresTimerStore({ connectionString: options.database, ...(options.schema === undefined ? {} : { schema: options.schema }) });
      closers.push(() => store.close());
      timers = store;
    }
    const registry = await KvRegistryStore.open({ connection, bucket: registryBucketFor(options.prefix), ...(events === undefined ? {} : { eventStore: events }) });
    closers.push(() => registry.close());
    const watcher = new RegistryWatcher({ store: registry });
    await watcher.start();
    closers.push(() => watcher.stop());
    // Hears the shards' load reports and knows their breakers; this process calls no function.
    const transport = new NatsTransport({ connection, subjectPrefix: options.prefix });
    closers.push(() => transport.close());
    const cluster = new ClusterClient({ transport, registry: new ClusterRegistry(watcher), liveness: { intervalMs: 1_000, missedReports: 3 } });
    closers.push(() => cluster.close());

    const stores: ConsoleStore[] = [
      { name: 'eventStore', ...(events === undefined ? {} : { probe: () => events.streamVersion('$health') }), detail: options.database === undefined ? 'not given (--database)' : `PostgreSQL (schema ${options.schema ?? 'lucent'})` },
      { name: 'projections', detail: 'read by the services, not by the console' },
      { name: 'nats', probe: () => connection.flush(), detail: options.natsUrl },
      { name: 'registry', probe: () => registry.get('console-probe'), detail: `NATS KV bucket ${registryBucketFor(options.prefix)}` },
    ];
    const consoleOptions: LucentConsoleOptions = {
      service: { name: 'lucent console', version: '0.1.0', mode: 'console' },
      functions: () => cluster.list(),
      registry,
      cluster,
      stores,
      shadowReports: async (name) => {
        const answers = await askShadowReports(connection, shadowReportSubject(options.prefix), name);
        return { source: `${answers.length} shards, since each started`, pairs: mergeShadowReports(answers.map((a) => a.pairs)) };
      },
      adminApi: options.auth === undefined ? false : { adminRole: 'admin' },
      ...(options.staticDir === undefined ? {} : { staticDir: options.staticDir }),
      ...(events === undefined
        ? {}
        : { history: { events, ...(timers === undefined ? {} : { timers }), ...(options.sagaRunners === undefined ? {} : { sagaRunners: options.sagaRunners }) } }),
    };
    const app = await createLucentApp(
      ConsoleServerModule.forRoot([
        LucentModule.forRoot({ invoker: cluster, functionsEndpoint: false, openApi: false, ...(options.auth === undefined ? {} : { auth: options.auth }) }),
        ...(options.auth === undefined ? [] : [LucentAdminModule.forRoot({ registry, auth: { ...options.auth, adminRole: 'admin' } })]),
        LucentConsoleModule.forRoot(consoleOptions),
      ]),
      { nestLogger: ['error', 'warn'] },
    );
    await app.listen(options.port, options.host);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    return {
      app,
      port,
      close: async () => {
        await drainHttp(app, 5_000);
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}
