// The durable timer store over PostgreSQL or PGlite: one SQL implementation, claims with FOR UPDATE SKIP LOCKED.
import { randomUUID } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { JsonValue } from '@lucent/core';
import {
  checkOutcomeQuery,
  finalOutcome,
  type ArrivalRecord,
  type ArrivalStatus,
  type ClaimOptions,
  type ClaimedTimer,
  type CompleteInput,
  type Completion,
  type DeliveryResult,
  type ExternalMatch,
  type NewArrival,
  type NewTimer,
  type OutcomeQuery,
  type ScheduleResult,
  type TimerOutcomeRecord,
  type TimerQuery,
  type TimerRecord,
  type TimerStore,
  type TimerStoreListener,
} from '@lucent/runtime';
import { checkSchemaName } from '../eventStore/migrations.js';
import { openPgliteClient, PgSqlClient, type SqlClient } from '../eventStore/sqlClient.js';
import { listenForTimers } from './timerAnnouncements.js';
import { migrateTimerStore, timerChannel } from './timerMigrations.js';
import { insertParams, toArrival, toOutcome, toRecord, type ArrivalRow, type Num, type OutcomeRow, type TimerRow } from './timerRows.js';
import { timerStatements } from './timerStatements.js';

export interface SqlTimerStoreOptions {
  /** PostgreSQL schema holding the tables (default `lucent`); the event store may share it. */
  readonly schema?: string;
}

export class SqlTimerStore implements TimerStore {
  private readonly s: string;
  private readonly sql: Record<string, string>;
  private readonly watchers = new Set<() => Promise<void>>();

  private constructor(
    private readonly client: SqlClient,
    options: SqlTimerStoreOptions,
    private readonly ownsClient: boolean,
  ) {
    this.s = checkSchemaName(options.schema ?? 'lucent');
    this.sql = timerStatements(this.s);
  }

  /** Open a store on `client`, migrating its schema first. */
  static async open(client: SqlClient, options: SqlTimerStoreOptions = {}, ownsClient = true): Promise<SqlTimerStore> {
    const store = new SqlTimerStore(client, options, ownsClient);
    await migrateTimerStore(client, store.s);
    return store;
  }

  get schema(): string {
    return this.s;
  }

  private name(statement: string): string {
    return `lucent_tm_${this.s}_${statement}`;
  }

  private q<T>(statement: string, params: readonly unknown[]): Promise<{ rows: T[] }> {
    return this.client.query<T>(this.sql[statement] as string, params, this.name(statement));
  }

  async schedule(timer: NewTimer, now: number): Promise<ScheduleResult> {
    if (timer.kind === 'external') {
      // Registration and the lookback check run in one function under the key's lock (see the migration).
      const { rows } = await this.q<{ created: boolean }>('scheduleFn', [JSON.stringify(timer), now]);
      const record = await this.get(timer.id);
      return { created: rows[0]?.created === true, timer: record as TimerRecord };
    }
    const { rows } = await this.q<TimerRow>('insert', insertParams(timer, now));
    const row = rows[0];
    if (row) return { created: true, timer: toRecord(row) };
    return { created: false, timer: (await this.get(timer.id)) as TimerRecord };
  }

  async replace(timer: NewTimer, now: number): Promise<TimerRecord> {
    const { rows } = await this.q<TimerRow>('replace', insertParams(timer, now));
    return toRecord(rows[0] as TimerRow);
  }

  async cancel(id: string, now: number): Promise<boolean> {
    const { rows } = await this.q('cancel', [id, now]);
    return rows.length > 0;
  }

  async cancelOwner(owner: string, now: number): Promise<number> {
    const { rows } = await this.q<{ n: number }>('cancelOwner', [owner, now]);
    return Number(rows[0]?.n ?? 0);
  }

  async claimDue(node: string, now: number, leaseMs: number, limit: number, options: ClaimOptions = {}): Promise<ClaimedTimer[]> {
    const until = Math.max(now, options.prefetchUntil ?? now);
    const { rows } = await this.q<TimerRow>('claim', [node, now, leaseMs, limit, randomUUID(), until]);
    return rows
      .map((r) => {
        const record = toRecord(r);
        const reason = record.match !== undefined ? 'matched' : r.kind === 'external' || r.kind === 'condition' ? 'timeout' : 'due';
        return { ...record, claimedBy: node, claimedUntil: Number(r.claimed_until), claimToken: r.claim_token as string, reason } as ClaimedTimer;
      })
      .sort((a, b) => a.dueAt - b.dueAt);
  }

  async complete(claim: ClaimedTimer, input: CompleteInput, now: number): Promise<boolean> {
    const [done] = await this.completeMany([{ claim, input }], now);
    return done === true;
  }

  async completeMany(items: readonly Completion[], now: number): Promise<boolean[]> {
    if (items.length === 0) return [];
    const input = items.map(({ claim, input: i }) => ({
      id: claim.id,
      token: claim.claimToken,
      rearmAt: i.rearmAt ?? null,
      final: finalOutcome(i.outcomes),
      node: claim.claimedBy,
      outcomes: i.outcomes,
      ...(i.arm !== undefined && i.arm.length > 0 ? { arm: i.arm } : {}),
    }));
    const { rows } = await this.q<{ id: string }>('completeMany', [JSON.stringify(input), now]);
    const done = new Set(rows.map((r) => r.id));
    return items.map(({ claim }) => done.has(claim.id));
  }

  async renew(claims: readonly ClaimedTimer[], now: number, leaseMs: number): Promise<string[]> {
    if (claims.length === 0) return [];
    const held = claims.map((c) => ({ id: c.id, token: c.claimToken }));
    const { rows } = await this.q<{ id: string }>('renew', [JSON.stringify(held), now + leaseMs]);
    return rows.map((r) => r.id);
  }

  async release(claims: readonly ClaimedTimer[]): Promise<void> {
    if (claims.length === 0) return;
    await this.q('release', [JSON.stringify(claims.map((c) => ({ id: c.id, token: c.claimToken })))]);
  }

  async watch(listener: TimerStoreListener): Promise<() => Promise<void>> {
    const stop = await listenForTimers(this.client, timerChannel(this.s), listener);
    const once = async (): Promise<void> => {
      if (!this.watchers.delete(once)) return;
      await stop();
    };
    this.watchers.add(once);
    return once;
  }

  async retry(claim: ClaimedTimer, retryAt: number, _error: string, _now: number): Promise<boolean> {
    const { rows } = await this.q('retry', [claim.id, claim.claimToken, retryAt]);
    return rows.length > 0;
  }

  async match(id: string, match: ExternalMatch, now: number): Promise<boolean> {
    const { rows } = await this.q('match', [id, JSON.stringify(match), now]);
    return rows.length > 0;
  }

  async deliver(arrival: NewArrival, now: number): Promise<DeliveryResult> {
    const { rows } = await this.q<{ status: ArrivalStatus; timer_id: string | null; arrived_at: Num; payload: JsonValue; duplicate: boolean }>(
      'deliver',
      [arrival.key, arrival.arrivalId, JSON.stringify(arrival.payload), now],
    );
    const r = rows[0];
    if (!r) throw new Error(`lucent_timer_deliver returned no row for ${arrival.arrivalId}`);
    return {
      arrival: toArrival({ arrival_id: arrival.arrivalId, key: arrival.key, payload: r.payload, arrived_at: r.arrived_at, status: r.status, timer_id: r.timer_id }),
      duplicate: r.duplicate,
    };
  }

  async get(id: string): Promise<TimerRecord | undefined> {
    const { rows } = await this.q<TimerRow>('get', [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async list(query: TimerQuery): Promise<TimerRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (column: string, value: unknown): void => {
      if (value === undefined) return;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    add('owner', query.owner);
    add('kind', query.kind);
    add('wait_key', query.waitKey);
    add('state', query.state);
    params.push(query.limit ?? 1_000);
    const text = `SELECT * FROM ${this.s}.lucent_timers ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY due_at, id LIMIT $${params.length}`;
    const { rows } = await this.client.query<TimerRow>(text, params);
    return rows.map(toRecord);
  }

  async nextDueAt(): Promise<number | undefined> {
    const { rows } = await this.q<{ next: Num | null }>('nextDue', []);
    const next = rows[0]?.next;
    return next === null || next === undefined ? undefined : Number(next);
  }

  async outcomes(timerId: string, options: OutcomeQuery = {}): Promise<TimerOutcomeRecord[]> {
    checkOutcomeQuery(options);
    const { rows } = await this.q<OutcomeRow>('outcomes', [timerId, options.latest ?? null]);
    return rows.map(toOutcome);
  }

  async arrivals(key: string): Promise<ArrivalRecord[]> {
    const { rows } = await this.q<ArrivalRow>('arrivals', [key]);
    return rows.map(toArrival);
  }

  async close(): Promise<void> {
    await Promise.all([...this.watchers].map((stop) => stop()));
    if (this.ownsClient) await this.client.close();
  }
}

export interface PostgresTimerStoreOptions extends SqlTimerStoreOptions {
  readonly connectionString?: string;
  /** An existing pool to share (e.g. the event store's); the store then does not end it. */
  readonly pool?: pg.Pool;
  readonly maxConnections?: number;
  readonly connectTimeoutMs?: number;
}

/** Timer store on a PostgreSQL server; many scheduler processes may share one. */
export async function createPostgresTimerStore(options: PostgresTimerStoreOptions): Promise<SqlTimerStore> {
  const client = new PgSqlClient({
    connectionString: options.connectionString,
    pool: options.pool,
    max: options.maxConnections,
    connectTimeoutMs: options.connectTimeoutMs,
  });
  return SqlTimerStore.open(client, options).catch(async (error: unknown) => {
    await client.close().catch(() => undefined);
    throw error;
  });
}

export interface PgliteTimerStoreOptions extends SqlTimerStoreOptions {
  /** Directory that keeps the data on disk; in memory when omitted. */
  readonly dataDir?: string;
  /** An existing PGlite instance to share (e.g. the embedded event store's); the store then does not close it. */
  readonly db?: PGlite;
}

/** Embedded timer store (PGlite): the default when no PostgreSQL URL is configured. */
export async function createPgliteTimerStore(options: PgliteTimerStoreOptions = {}): Promise<SqlTimerStore> {
  const client = await openPgliteClient(options);
  return SqlTimerStore.open(client, options).catch(async (error: unknown) => {
    await client.close().catch(() => undefined);
    throw error;
  });
}
