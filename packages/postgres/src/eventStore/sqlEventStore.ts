// Event store over PostgreSQL or PGlite: one SQL schema, one append function, gap-safe global order.
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import {
  CatchUpSubscription,
  checkReadAll,
  checkReadStream,
  checkSaveCheckpoint,
  checkStreamName,
  checkSubscribe,
  checkSubscriberId,
  defaultMaxEventBytes,
  idempotencyFingerprint,
  newEventId,
  prepareAppend,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type PreparedEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type SubscribeOptions,
  type Subscription,
} from '@lucent/runtime';
import { appendErrorOf, lostIdempotencyRace } from './appendErrors.js';
import { eventStatements, toStored, type AppendRow, type EventRow, type EventStatement } from './eventStatements.js';
import { checkSchemaName, migrateEventStore, notifyChannel } from './migrations.js';
import { openPgliteClient, PgSqlClient, type SqlClient } from './sqlClient.js';
import { CommitNotifier } from './commitNotifier.js';
import { AppendGroups } from './appendGroups.js';

/** While events are held back, look again every ms for this long (most holds are another commit's fsync)... */
const heldBackFastForMs = 200;
/** ...then at most this often (a long transaction somewhere on the server). */
const heldBackSlowMs = 50;
/**
 * After its LISTEN connection (re)connects, a store's subscriptions look every 25 ms for this long:
 * writers in other processes send notices only once they have seen a listener (at most
 * listenersCheckMaxAgeMs after it appears; commitNotifier.ts).
 */
const listenerStartupMs = 500;

export interface SqlEventStoreOptions {
  /** PostgreSQL schema holding the tables (default `lucent`). One per tenant or per test file. */
  readonly schema?: string;
  readonly maxEventBytes?: number;
  /**
   * Single-event appends (no idempotency key) at the database at once before the next ones wait
   * and go together as one group, one call and one commit (appendGroups.ts). Default 2; 1 groups
   * everything that arrives while an append is in flight; a number at or above the pool size
   * turns grouping off in effect.
   */
  readonly maxAppendsInFlight?: number;
}

/** An exact expected version the one-statement append can compare (0 is `noStream`: the function's). */
const exactVersion = /^[1-9][0-9]{0,15}$/;

export class SqlEventStore implements EventStore {
  private readonly s: string;
  private readonly maxEventBytes: number;
  private readonly wakers = new Set<() => void>();
  private unlisten: (() => Promise<void>) | undefined;
  private listening: Promise<void> | undefined;
  private readonly notifier: CommitNotifier;
  /** Since when subscriptions have found events held back by a running transaction (undefined: not held back). */
  private heldBackSince: number | undefined;
  private readonly sql: Record<EventStatement, string>;
  /** Group commit of concurrent single-event appends (see appendGroups.ts). */
  readonly groups: AppendGroups;

  private constructor(
    private readonly client: SqlClient,
    options: SqlEventStoreOptions,
  ) {
    this.s = checkSchemaName(options.schema ?? 'lucent');
    this.maxEventBytes = options.maxEventBytes ?? defaultMaxEventBytes;
    const s = this.s;
    this.sql = eventStatements(s);
    this.groups = new AppendGroups(
      {
        one: (m) => this.appendOne(m.stream, m.expected, m.event, null, null),
        group: async (payload) => {
          const { rows } = await this.client.query<{ r: (string | number)[] }>(this.sql.appendGroup, [payload], this.name('appendGroup'));
          return (rows[0] as { r: (string | number)[] }).r;
        },
      },
      { maxInFlight: options.maxAppendsInFlight ?? 2 },
    );
    const channel = notifyChannel(s);
    this.notifier = new CommitNotifier(
      async () => {
        // NOTIFY gives its transaction an id, so its commit would wait for a WAL flush of its own
        // (2.1× append.single's p50 when it did). It carries nothing durable: commit it without waiting.
        await this.client.query(
          "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)",
          [channel, ''],
          'lucent_es_notify',
        );
      },
      () => this.wakeAll(),
      client.othersListening === undefined ? undefined : () => (client.othersListening as (c: string) => Promise<boolean>).call(client, channel),
    );
  }

  private wakeAll(): void {
    for (const w of this.wakers) w();
  }

  /** Open a store on a SqlClient and run its migrations. */
  static async open(client: SqlClient, options: SqlEventStoreOptions = {}): Promise<SqlEventStore> {
    const store = new SqlEventStore(client, options);
    await migrateEventStore(client, store.s);
    return store;
  }

  get schema(): string {
    return this.s;
  }

  private name(statement: string): string {
    return `lucent_es_${this.s}_${statement}`;
  }

  async append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    const prepared = prepareAppend(stream, events, options, newEventId, this.maxEventBytes);
    const expected = String(options?.expectedVersion ?? 'any');
    const key = options?.idempotencyKey ?? null;
    // Only a keyed append pays for the fingerprint; the unkeyed hot path is unchanged.
    const fingerprint = key === null ? null : idempotencyFingerprint(prepared, options);
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await (prepared.length !== 1
          ? this.appendMany(stream, expected, prepared, key, fingerprint)
          : key === null
            ? this.groups.append({ stream, expected, event: prepared[0] as PreparedEvent })
            : this.appendOne(stream, expected, prepared[0] as PreparedEvent, key, fingerprint));
        // After the commit, outside the transaction (see commitNotifier.ts).
        if (!result.duplicate) this.notifier.committed();
        return result;
      } catch (error) {
        if (key !== null && attempt === 0 && lostIdempotencyRace(error)) continue;
        throw appendErrorOf(error, stream, options?.expectedVersion, key, prepared) ?? error;
      }
    }
  }

  /** The common append: one event as plain parameters, the result as one array value. */
  private async appendOne(
    stream: string,
    expected: string,
    e: PreparedEvent,
    key: string | null,
    fingerprint: string | null,
  ): Promise<AppendResult> {
    if (key === null && (expected === 'any' || exactVersion.test(expected))) {
      const any = expected === 'any';
      const { rows: written } = await this.client.query<{ global_position: string | number; stream_version: string | number }>(
        any ? this.sql.appendOneAny : this.sql.appendOneAt,
        any ? [stream, e.id, e.type, e.dataJson, e.metadataJson] : [stream, e.id, e.type, e.dataJson, e.metadataJson, expected],
        this.name(any ? 'appendOneAny' : 'appendOneAt'),
      );
      const row = written[0];
      if (row !== undefined) return { nextVersion: Number(row.stream_version), lastGlobalPosition: Number(row.global_position), duplicate: false };
      // Nothing written: a new stream, a stale version or a busy stream lock; the function sorts out which.
    }
    const { rows } = await this.client.query<{ r: (string | number)[] }>(
      this.sql.appendOne,
      [stream, expected, e.id, e.type, e.dataJson, e.metadataJson, key, fingerprint],
      this.name('appendOne'),
    );
    const r = (rows[0] as { r: (string | number)[] }).r;
    return { nextVersion: Number(r[0]), lastGlobalPosition: Number(r[1]), duplicate: Number(r[2]) === 1 };
  }

  private async appendMany(
    stream: string,
    expected: string,
    prepared: readonly PreparedEvent[],
    key: string | null,
    fingerprint: string | null,
  ): Promise<AppendResult> {
    // Hand-built JSON avoids parsing and re-serializing every payload that prepareAppend already serialized.
    const payload = `[${prepared
      .map((e) => `{"id":"${e.id}","type":${JSON.stringify(e.type)},"data":${e.dataJson},"metadata":${e.metadataJson}}`)
      .join(',')}]`;
    const { rows } = await this.client.query<AppendRow>(
      this.sql.append,
      [stream, expected, payload, key, fingerprint],
      this.name('append'),
    );
    const row = rows[0] as AppendRow;
    return { nextVersion: Number(row.next_version), lastGlobalPosition: Number(row.last_position), duplicate: row.duplicate };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    checkReadStream(stream, options);
    const max = options.maxCount ?? 1_000_000;
    if (options.direction === 'backwards') {
      const from = options.fromVersion ?? Number.MAX_SAFE_INTEGER;
      const { rows } = await this.client.query<EventRow>(this.sql.readBack, [stream, from, max], this.name('readBack'));
      return rows.map(toStored);
    }
    const { rows } = await this.client.query<EventRow>(
      this.sql.readFwd,
      [stream, options.fromVersion ?? 1, max],
      this.name('readFwd'),
    );
    return rows.map(toStored);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    checkReadAll(options);
    const { rows } = await this.client.query<EventRow>(
      this.sql.readAll,
      [options.after ?? 0, options.maxCount ?? 1000],
      this.name('readAll'),
    );
    return rows.map(toStored);
  }

  async streamVersion(stream: string): Promise<number> {
    checkStreamName(stream, 'streamVersion');
    const { rows } = await this.client.query<{ version: string | number }>(this.sql.version, [stream], this.name('version'));
    return rows[0] ? Number(rows[0].version) : 0;
  }

  subscribe(options: SubscribeOptions): Subscription {
    checkSubscribe(options);
    const source = {
      readAll: (o: ReadAllOptions) => this.readForSubscription(o, options.pollIntervalMs ?? 1_000),
      loadCheckpoint: (id: string) => this.loadCheckpoint(id),
      saveCheckpoint: (id: string, position: number) => this.saveCheckpoint(id, position),
    };
    return new CatchUpSubscription(source, options, (wake) => {
      this.wakers.add(wake);
      void this.ensureListening();
      return () => this.wakers.delete(wake);
    });
  }

  /**
   * readAll for a subscription. When nothing is readable but committed events wait above the
   * horizon, the transaction holding them back ends without a notice of ours if it is not an
   * append (or is another database's), so look again soon instead of waiting for the poll.
   */
  private async readForSubscription(options: ReadAllOptions, pollMs: number): Promise<StoredEvent[]> {
    const events = await this.readAll(options);
    if (events.length > 0) {
      this.heldBackSince = undefined;
      return events;
    }
    const { rows } = await this.client.query<{ held: boolean }>(this.sql.heldBack, [options.after ?? 0], this.name('heldBack'));
    if (rows[0]?.held !== true) this.heldBackSince = undefined;
    else {
      const now = performance.now();
      this.heldBackSince ??= now;
      const delay = Math.min(now - this.heldBackSince < heldBackFastForMs ? 1 : heldBackSlowMs, pollMs);
      setTimeout(() => this.wakeAll(), delay).unref();
    }
    return events;
  }

  /** Wake the subscriptions every 25 ms for listenerStartupMs (writers elsewhere may not have seen the listener yet). */
  private lookWhileStarting(): void {
    const until = performance.now() + listenerStartupMs;
    const tick = (): void => {
      if (this.wakers.size === 0 || performance.now() > until) return;
      this.wakeAll();
      setTimeout(tick, 25).unref();
    };
    setTimeout(tick, 25).unref();
  }

  /** One LISTEN per store wakes all its subscriptions; if it fails they still poll. */
  private ensureListening(): Promise<void> {
    this.listening ??= this.client
      .listen(notifyChannel(this.s), (payload) => {
        this.wakeAll();
        if (payload === undefined) this.lookWhileStarting();
      })
      .then(
        (stop) => {
          this.unlisten = stop;
        },
        () => {
          this.listening = undefined;
        },
      );
    return this.listening;
  }

  async loadCheckpoint(subscriberId: string): Promise<number> {
    checkSubscriberId(subscriberId);
    const { rows } = await this.client.query<{ position: string | number }>(
      `SELECT position FROM ${this.s}.lucent_checkpoints WHERE subscriber_id = $1`,
      [subscriberId],
      this.name('loadCheckpoint'),
    );
    return rows[0] ? Number(rows[0].position) : 0;
  }

  async saveCheckpoint(subscriberId: string, position: number): Promise<void> {
    checkSaveCheckpoint(subscriberId, position);
    await this.client.query(
      `INSERT INTO ${this.s}.lucent_checkpoints (subscriber_id, position) VALUES ($1, $2)
       ON CONFLICT (subscriber_id) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
      [subscriberId, position],
      this.name('saveCheckpoint'),
    );
  }

  async close(): Promise<void> {
    this.wakers.clear();
    await this.notifier.drain();
    await this.listening;
    await this.unlisten?.();
    await this.client.close();
  }
}

export interface PostgresEventStoreOptions extends SqlEventStoreOptions {
  /** e.g. `postgres://user@127.0.0.1:5432/db`; read from LUCENT_PG_URL by the example. */
  readonly connectionString?: string;
  readonly pool?: pg.Pool;
  readonly maxConnections?: number;
  readonly connectTimeoutMs?: number;
}

/** Event store on a PostgreSQL server. Fails with UNAVAILABLE when the server cannot be reached. */
export function createPostgresEventStore(options: PostgresEventStoreOptions): Promise<SqlEventStore> {
  const client = new PgSqlClient({
    connectionString: options.connectionString,
    pool: options.pool,
    max: options.maxConnections,
    connectTimeoutMs: options.connectTimeoutMs,
  });
  return SqlEventStore.open(client, options).catch(async (error: unknown) => {
    await client.close().catch(() => undefined);
    throw error;
  });
}

export interface PgliteEventStoreOptions extends SqlEventStoreOptions {
  /** Directory that keeps the data on disk (e.g. `.lucent-data/events`); in memory when omitted. */
  readonly dataDir?: string;
  /** An existing PGlite instance to share; the store then does not close it. */
  readonly db?: PGlite;
}

/** Embedded event store: PostgreSQL compiled to WebAssembly, in this process, same SQL as the server. */
export async function createPgliteEventStore(options: PgliteEventStoreOptions = {}): Promise<SqlEventStore> {
  const client = await openPgliteClient(options);
  return SqlEventStore.open(client, options).catch(async (error: unknown) => {
    await client.close().catch(() => undefined);
    throw error;
  });
}
