// Event store over PostgreSQL or PGlite: one SQL schema, one append function, gap-safe global order.
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { ConcurrencyError, DuplicateEventIdError, IdempotencyKeyReusedError, ValidationError } from '@lucent/core';
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
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type PreparedEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type SubscribeOptions,
  type Subscription,
} from '@lucent/runtime';
import { checkSchemaName, eventIdIndex, migrateEventStore, notifyChannel } from './migrations.js';
import { openPgliteClient, PgSqlClient, type SqlClient } from './sqlClient.js';
import { CommitNotifier } from './commitNotifier.js';

interface EventRow {
  global_position: string | number;
  stream_id: string;
  stream_version: string | number;
  event_id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  ts: string | number;
}

interface AppendRow {
  next_version: string | number;
  last_position: string | number;
  duplicate: boolean;
}

const columns = `global_position, stream_id, stream_version, event_id, type, data, metadata,
  (extract(epoch from created_at) * 1000)::float8 AS ts`;

function toStored(r: EventRow): StoredEvent {
  return {
    id: r.event_id,
    stream: r.stream_id,
    type: r.type,
    data: r.data,
    metadata: r.metadata,
    streamVersion: Number(r.stream_version),
    globalPosition: Number(r.global_position),
    timestamp: Math.round(Number(r.ts)),
  };
}

/** The DETAIL of LU410: the stream the key was first used on, and why it is refused. */
function parseDetail(detail: string | undefined): { stream?: string; reason?: string } {
  try {
    return JSON.parse(detail ?? '{}') as { stream?: string; reason?: string };
  } catch {
    return {};
  }
}

/** The repeated id, from the DETAIL of the unique violation ("Key (stream_id, event_id)=(s, id) already exists."). */
function duplicateIdOf(detail: string | undefined, prepared: readonly PreparedEvent[]): string {
  const found = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)\s+already exists/i.exec(detail ?? '');
  return found?.[1] ?? (prepared.length === 1 ? (prepared[0] as PreparedEvent).id : '(one of the batch)');
}

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
}

export class SqlEventStore implements EventStore {
  private readonly s: string;
  private readonly maxEventBytes: number;
  private readonly wakers = new Set<() => void>();
  private unlisten: (() => Promise<void>) | undefined;
  private listening: Promise<void> | undefined;
  private readonly notifier: CommitNotifier;
  /** Since when subscriptions have found events held back by a running transaction (undefined: not held back). */
  private heldBackSince: number | undefined;
  private readonly sql: Record<'append' | 'appendOne' | 'readFwd' | 'readBack' | 'readAll' | 'heldBack' | 'version', string>;

  private constructor(
    private readonly client: SqlClient,
    options: SqlEventStoreOptions,
  ) {
    this.s = checkSchemaName(options.schema ?? 'lucent');
    this.maxEventBytes = options.maxEventBytes ?? defaultMaxEventBytes;
    const s = this.s;
    this.sql = {
      append: `SELECT next_version, last_position, duplicate FROM ${s}.lucent_append($1, $2, $3::jsonb, $4, $5)`,
      appendOne: `SELECT ${s}.lucent_append_one($1, $2, $3, $4, $5, $6, $7, $8) AS r`,
      readFwd: `SELECT ${columns} FROM ${s}.lucent_events WHERE stream_id = $1 AND stream_version >= $2
        ORDER BY stream_version LIMIT $3`,
      readBack: `SELECT ${columns} FROM ${s}.lucent_events WHERE stream_id = $1 AND stream_version <= $2
        ORDER BY stream_version DESC LIMIT $3`,
      // Only positions below the read horizon (migration 5): every transaction that could still
      // commit an event there has ended, so this range read never passes over one still to commit.
      readAll: `SELECT ${columns} FROM ${s}.lucent_events
        WHERE global_position > $1 AND global_position < ${s}.lucent_read_horizon() ORDER BY global_position LIMIT $2`,
      // Whether committed events wait above the horizon (a transaction below them is still running).
      heldBack: `SELECT EXISTS (SELECT 1 FROM ${s}.lucent_events
        WHERE global_position > $1 AND global_position >= ${s}.lucent_read_horizon()) AS held`,
      version: `SELECT version FROM ${s}.lucent_streams WHERE stream_id = $1`,
    };
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
        const result = await (prepared.length === 1
          ? this.appendOne(stream, expected, prepared[0] as PreparedEvent, key, fingerprint)
          : this.appendMany(stream, expected, prepared, key, fingerprint));
        // After the commit, outside the transaction (see commitNotifier.ts).
        if (!result.duplicate) this.notifier.committed();
        return result;
      } catch (error) {
        const e = error as { code?: string; detail?: string; constraint?: string };
        if (e.code === 'LU409') {
          throw new ConcurrencyError(stream, options?.expectedVersion ?? 'any', Number(e.detail ?? 0));
        }
        if (e.code === 'LU413') {
          throw new ValidationError('input', 'append', [
            { path: 'events', message: 'a transaction appends at most 65,536 events (positions are per transaction id)' },
          ]);
        }
        if (e.code === 'LU410' && key !== null) {
          const first = parseDetail(e.detail);
          throw new IdempotencyKeyReusedError(key, first.stream ?? '(unknown)', stream, first.reason === 'stream' ? 'stream' : 'events');
        }
        if (e.code === '23505') {
          // Two appends with one new idempotency key raced: the loser retries once and finds the winner's result.
          // (The key row goes in before the events, so the loser trips over the key, not over an event id.)
          if (key !== null && attempt === 0 && String(e.constraint ?? '').includes('idempotency')) continue;
          if (e.constraint === eventIdIndex) throw new DuplicateEventIdError(stream, duplicateIdOf(e.detail, prepared));
        }
        throw error;
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


