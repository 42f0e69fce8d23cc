// The service's infrastructure, opened once: events and timers on one database, the projection store, one Scheduler; closed once, in order.
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from '@lucent/core';
import {
  createPgliteEventStore,
  createPgliteTimerStore,
  createPostgresEventStore,
  createPostgresTimerStore,
  openPgliteDirectory,
  PgSqlClient,
} from '@lucent/postgres';
import { RedisProjectionStore } from '@lucent/redis';
import { MemoryProjectionStore, Scheduler, type EventStore, type ProjectionStore, type TimerStore } from '@lucent/runtime';

export interface InfrastructureConfig {
  /**
   * Embedded database directory (PGlite under `<dataDir>/db`, locked by `<dataDir>/db.lock`: one process at a
   * time); ':memory:' or omitted keeps it in memory.
   */
  readonly dataDir?: string;
  /** Real PostgreSQL (LUCENT_PG_URL); wins over dataDir. Events and timers share one pool and schema. */
  readonly postgresUrl?: string;
  /**
   * Real Redis (LUCENT_REDIS_URL) for the read models: one URL, or comma-separated seeds of a Redis
   * Cluster; in memory otherwise (rebuilt from the log at start).
   */
  readonly redisUrl?: string;
  /** One URL that is a Redis Cluster node (LUCENT_REDIS_CLUSTER=1). */
  readonly redisCluster?: boolean;
  /** PostgreSQL schema of both stores (default `lucent`): one per tenant or per test run. */
  readonly pgSchema?: string;
  readonly redisPrefix?: string;
  readonly logger?: Logger;
  readonly clock?: () => number;
  /** Name of this process in timer claims; unique per process when several share a database. */
  readonly nodeId?: string;
  /** Scheduler poll period (default 500 ms). */
  readonly pollIntervalMs?: number;
  /** How long a crashed node's claim on a timer blocks the others (default 30 s). */
  readonly leaseMs?: number;
}

/** Which backends were opened: what the service tells its operator at start. */
export interface InfrastructureDescription {
  readonly database: 'postgres' | 'pglite-disk' | 'pglite-memory';
  readonly projections: 'redis' | 'memory';
}

export interface Infrastructure {
  readonly events: EventStore;
  readonly timers: TimerStore;
  readonly views: ProjectionStore;
  /** The one Scheduler every part registers its handlers, triggers and waits on. */
  readonly scheduler: Scheduler;
  readonly description: InfrastructureDescription;
  /**
   * Close `part` when the infrastructure closes: after the scheduler has stopped firing and
   * before the stores it uses go away. Parts close newest first.
   */
  adopt(part: { close(): Promise<void> }): void;
  /** Start firing timers and following events; call once every part has registered its handlers. */
  start(): void;
  /** Stop the scheduler, close the adopted parts, then the stores and the database; once, whatever the number of calls. */
  close(): Promise<void>;
}

/** Open the service's stores and Scheduler on the configured servers or on the embedded defaults. */
export async function openInfrastructure(config: InfrastructureConfig = {}): Promise<Infrastructure> {
  // Everything opened so far, newest first: a failure half-way closes what was opened.
  const closers: (() => Promise<void>)[] = [];
  try {
    const schema = config.pgSchema;
    let events: EventStore;
    let timers: TimerStore;
    let database: InfrastructureDescription['database'];
    if (config.postgresUrl !== undefined) {
      const sql = new PgSqlClient({ connectionString: config.postgresUrl });
      closers.unshift(() => sql.close());
      events = await createPostgresEventStore({ pool: sql.pool, schema });
      closers.unshift(() => events.close());
      timers = await createPostgresTimerStore({ pool: sql.pool, schema });
      database = 'postgres';
    } else {
      const onDisk = config.dataDir !== undefined && config.dataDir !== ':memory:';
      let db: PGlite;
      if (onDisk) {
        // One process per data directory (the lock file db.lock beside db/): a second one fails here, naming the first.
        const opened = await openPgliteDirectory(join(config.dataDir as string, 'db'));
        db = opened.db;
        closers.unshift(() => opened.close());
      } else {
        db = await PGlite.create();
        closers.unshift(() => db.close());
      }
      // One WebAssembly PostgreSQL for both stores; they create their tables in the same schema.
      events = await createPgliteEventStore({ db, schema });
      closers.unshift(() => events.close());
      timers = await createPgliteTimerStore({ db, schema });
      database = onDisk ? 'pglite-disk' : 'pglite-memory';
    }
    closers.unshift(() => timers.close());
    const views: ProjectionStore =
      config.redisUrl !== undefined
        ? new RedisProjectionStore({ url: config.redisUrl, cluster: config.redisCluster === true, prefix: config.redisPrefix ?? 'lucent:crypto:' })
        : new MemoryProjectionStore();
    closers.unshift(() => views.close());
    const scheduler = new Scheduler({
      store: timers,
      eventStore: events,
      subscriberId: 'crypto.scheduler',
      ...(config.logger !== undefined && { logger: config.logger }),
      ...(config.clock !== undefined && { clock: config.clock }),
      ...(config.nodeId !== undefined && { nodeId: config.nodeId }),
      ...(config.pollIntervalMs !== undefined && { pollIntervalMs: config.pollIntervalMs }),
      ...(config.leaseMs !== undefined && { leaseMs: config.leaseMs }),
    });
    const parts: { close(): Promise<void> }[] = [];
    let closing: Promise<void> | undefined;
    return {
      events,
      timers,
      views,
      scheduler,
      description: { database, projections: config.redisUrl !== undefined ? 'redis' : 'memory' },
      adopt: (part) => void parts.unshift(part),
      start: () => scheduler.start(),
      close: () =>
        (closing ??= (async () => {
          // No firing may reach a part that is closing, nor a part a store that is gone.
          await scheduler.stop();
          for (const part of parts) await part.close();
          for (const close of closers) await close();
        })()),
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}
