// The durable timer store over PostgreSQL or PGlite: one SQL implementation, claims with FOR UPDATE SKIP LOCKED.
import { randomUUID } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { JsonValue, MisfirePolicy, RetryPolicy, TimerKind } from '@lucent/core';
import {
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
  type RetryOf,
  type NewTimer,
  type ScheduleResult,
  type TimerOutcomeKind,
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

type Num = string | number;

interface TimerRow {
  id: string;
  kind: TimerKind;
  handler: string;
  timeout_handler: string | null;
  due_at: Num;
  deadline: Num | null;
  payload: JsonValue;
  owner: string | null;
  wait_key: string | null;
  lookback_ms: Num | null;
  cron: string | null;
  timezone: string | null;
  misfire: MisfirePolicy | null;
  state: TimerRecord['state'];
  outcome: TimerOutcomeKind | null;
  registered_at: Num;
  attempts: number;
  match: ExternalMatch | null;
  claimed_by: string | null;
  claimed_until: Num | null;
  claim_token: string | null;
  retry_policy: RetryPolicy | null;
  retry_of: { timerId: string; scheduledFor: Num } | null;
}

interface OutcomeRow {
  timer_id: string;
  scheduled_for: Num;
  outcome: TimerOutcomeKind;
  node: string;
  at: Num;
  detail: JsonValue | null;
}

interface ArrivalRow {
  arrival_id: string;
  key: string;
  payload: JsonValue;
  arrived_at: Num;
  status: ArrivalStatus;
  timer_id: string | null;
}

function toRecord(r: TimerRow): TimerRecord {
  const opt = <K extends string, V>(key: K, value: V | null): { [P in K]?: V } =>
    (value === null ? {} : { [key]: value }) as { [P in K]?: V };
  return {
    id: r.id,
    kind: r.kind,
    handler: r.handler,
    dueAt: Number(r.due_at),
    payload: r.payload,
    ...opt('owner', r.owner),
    ...opt('waitKey', r.wait_key),
    ...opt('timeoutHandler', r.timeout_handler),
    ...opt('lookbackMs', r.lookback_ms === null ? null : Number(r.lookback_ms)),
    ...opt('cron', r.cron),
    ...opt('timezone', r.timezone),
    ...opt('misfire', r.misfire),
    ...opt('retryPolicy', r.retry_policy),
    ...opt<'retryOf', RetryOf>('retryOf', r.retry_of === null ? null : { timerId: r.retry_of.timerId, scheduledFor: Number(r.retry_of.scheduledFor) }),
    state: r.state,
    ...opt('outcome', r.outcome),
    registeredAt: Number(r.registered_at),
    ...opt('deadline', r.deadline === null ? null : Number(r.deadline)),
    attempts: Number(r.attempts),
    ...opt('match', r.match === null ? null : { ...r.match, arrivedAt: Number(r.match.arrivedAt) }),
    ...opt('claimedBy', r.claimed_by),
    ...opt('claimedUntil', r.claimed_until === null ? null : Number(r.claimed_until)),
  };
}

function toArrival(r: ArrivalRow): ArrivalRecord {
  return {
    arrivalId: r.arrival_id,
    key: r.key,
    payload: r.payload,
    arrivedAt: Number(r.arrived_at),
    status: r.status,
    ...(r.timer_id !== null ? { timerId: r.timer_id } : {}),
  };
}

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
    const s = (this.s = checkSchemaName(options.schema ?? 'lucent'));
    const t = `${s}.lucent_timers`;
    this.sql = {
      insert: `INSERT INTO ${t} (id, kind, handler, timeout_handler, due_at, deadline, payload, owner, wait_key, cron, timezone, misfire, registered_at,
          retry_policy, retry_of)
        VALUES ($1, $2, $3, $4, $5, CASE WHEN $2 IN ('external', 'condition') THEN $5::bigint END, $6::jsonb, $7, $8, $9, $10, $11, $12, $13::jsonb, $14::jsonb)
        ON CONFLICT (id) DO NOTHING RETURNING *`,
      scheduleFn: `SELECT ${s}.lucent_timer_schedule($1::jsonb, $2) AS created`,
      get: `SELECT * FROM ${t} WHERE id = $1`,
      replace: `INSERT INTO ${t} (id, kind, handler, timeout_handler, due_at, deadline, payload, owner, wait_key, cron, timezone, misfire, registered_at,
          retry_policy, retry_of)
        VALUES ($1, $2, $3, $4, $5, CASE WHEN $2 IN ('external', 'condition') THEN $5::bigint END, $6::jsonb, $7, $8, $9, $10, $11, $12, $13::jsonb, $14::jsonb)
        ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, handler = excluded.handler, timeout_handler = excluded.timeout_handler,
          due_at = excluded.due_at, deadline = excluded.deadline, payload = excluded.payload, owner = excluded.owner,
          wait_key = excluded.wait_key, cron = excluded.cron, timezone = excluded.timezone, misfire = excluded.misfire,
          retry_policy = excluded.retry_policy, retry_of = excluded.retry_of,
          state = 'pending', outcome = NULL, attempts = 0, match = NULL, claimed_by = NULL, claimed_until = NULL, claim_token = NULL
        RETURNING *`,
      cancel: `WITH c AS (
          UPDATE ${t} SET state = 'cancelled', outcome = 'cancelled', claimed_by = NULL, claimed_until = NULL, claim_token = NULL
          WHERE id = $1 AND state = 'pending' RETURNING id, due_at)
        INSERT INTO ${s}.lucent_timer_outcomes (timer_id, scheduled_for, outcome, node, at)
          SELECT id, due_at, 'cancelled', 'store', $2 FROM c ON CONFLICT DO NOTHING RETURNING timer_id`,
      cancelOwner: `WITH c AS (
          UPDATE ${t} SET state = 'cancelled', outcome = 'cancelled', claimed_by = NULL, claimed_until = NULL, claim_token = NULL
          WHERE owner = $1 AND state = 'pending' RETURNING id, due_at),
        o AS (INSERT INTO ${s}.lucent_timer_outcomes (timer_id, scheduled_for, outcome, node, at)
          SELECT id, due_at, 'cancelled', 'store', $2 FROM c ON CONFLICT DO NOTHING)
        SELECT count(*)::int AS n FROM c`,
      // SKIP LOCKED: a row another node is claiming right now is passed over, not waited for, so
      // concurrent claimers split the due rows between them and no row is handed to two.
      // The due rows are found through lucent_timers_due (due_at, partial on pending); the update
      // then reaches them by primary key. Joining \`FROM due\` instead let the planner hash-join
      // against a scan of the whole table, done rows included: a claim slowed as history grew.
      // $6 (prefetch horizon) ≥ $2 (now). Prefetched rows (one-offs and cron only) are leased
      // from their due time, so holding them early does not shorten the lease.
      claim: `WITH due AS (
          SELECT id FROM ${t}
          WHERE state = 'pending' AND due_at <= $6::bigint
            AND (due_at <= $2::bigint OR (kind IN ('once', 'cron') AND match IS NULL))
            AND (claimed_until IS NULL OR claimed_until < $2::bigint)
          ORDER BY due_at LIMIT $4
          FOR UPDATE SKIP LOCKED)
        UPDATE ${t} t SET claimed_by = $1, claimed_until = greatest(t.due_at, $2::bigint) + $3::bigint, claim_token = $5 || ':' || t.id
        WHERE t.id = ANY (ARRAY(SELECT id FROM due))
        RETURNING t.*`,
      // Many completions in one statement (one commit, one fsync): each item finishes or re-arms
      // its row only while it still holds the claim, and its outcomes are logged and the one-offs
      // it arms (a failed cron run's retry) stored only then. A retry timer's outcomes are logged
      // under the job it retries.
      completeMany: `WITH input AS (
          SELECT x->>'id' AS id, x->>'token' AS token, (x->>'rearmAt')::bigint AS rearm_at, x->>'final' AS final,
            x->>'node' AS node, x->'outcomes' AS outcomes, x->'arm' AS arm
          FROM jsonb_array_elements($1::jsonb) AS x),
        t AS (
          UPDATE ${t} AS r SET
            state = CASE WHEN i.rearm_at IS NULL THEN 'done' ELSE 'pending' END,
            outcome = CASE WHEN i.rearm_at IS NULL THEN i.final ELSE r.outcome END,
            due_at = coalesce(i.rearm_at, r.due_at),
            attempts = CASE WHEN i.rearm_at IS NULL THEN r.attempts ELSE 0 END,
            claimed_by = NULL, claimed_until = NULL, claim_token = NULL
          FROM input i
          WHERE r.id = i.id AND r.claim_token = i.token AND r.state = 'pending'
          RETURNING r.id, coalesce(r.retry_of->>'timerId', r.id) AS log_id),
        o AS (INSERT INTO ${s}.lucent_timer_outcomes (timer_id, scheduled_for, outcome, node, at, detail)
          SELECT t.log_id, (y->>'scheduledFor')::bigint, y->>'outcome', i.node, $2, y->'detail'
          FROM input i JOIN t ON t.id = i.id CROSS JOIN LATERAL jsonb_array_elements(i.outcomes) AS y
          ON CONFLICT DO NOTHING),
        a AS (INSERT INTO ${t} (id, kind, handler, due_at, payload, owner, registered_at, retry_policy, retry_of)
          SELECT y->>'id', y->>'kind', y->>'handler', (y->>'dueAt')::bigint, y->'payload', y->>'owner', $2, y->'retryPolicy', y->'retryOf'
          FROM input i JOIN t ON t.id = i.id CROSS JOIN LATERAL jsonb_array_elements(i.arm) AS y
          WHERE i.arm IS NOT NULL
          ON CONFLICT (id) DO NOTHING)
        SELECT id FROM t`,
      renew: `UPDATE ${t} AS r SET claimed_until = greatest(r.claimed_until, $2::bigint)
        FROM jsonb_to_recordset($1::jsonb) AS c(id text, token text)
        WHERE r.id = c.id AND r.claim_token = c.token AND r.state = 'pending'
        RETURNING r.id`,
      release: `UPDATE ${t} AS r SET claimed_by = NULL, claimed_until = NULL, claim_token = NULL
        FROM jsonb_to_recordset($1::jsonb) AS c(id text, token text)
        WHERE r.id = c.id AND r.claim_token = c.token AND r.state = 'pending'`,
      retry: `UPDATE ${t} SET due_at = $3, attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL, claim_token = NULL
        WHERE id = $1 AND claim_token = $2 AND state = 'pending' RETURNING id`,
      match: `UPDATE ${t} SET match = $2::jsonb, due_at = $3
        WHERE id = $1 AND state = 'pending' AND kind IN ('external', 'condition') AND match IS NULL
          AND claim_token IS NULL AND $3 < deadline RETURNING id`,
      deliver: `SELECT status, timer_id, arrived_at, payload, duplicate FROM ${s}.lucent_timer_deliver($1, $2, $3::jsonb, $4)`,
      nextDue: `SELECT least(
          (SELECT due_at FROM ${t} WHERE state = 'pending' AND claim_token IS NULL ORDER BY due_at LIMIT 1),
          (SELECT claimed_until FROM ${t} WHERE state = 'pending' AND claim_token IS NOT NULL ORDER BY claimed_until LIMIT 1)) AS next`,
      outcomes: `SELECT * FROM ${s}.lucent_timer_outcomes WHERE timer_id = $1 ORDER BY scheduled_for, at, outcome`,
      arrivals: `SELECT * FROM ${s}.lucent_external_arrivals WHERE key = $1 ORDER BY arrived_at, arrival_id`,
    };
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

  private insertParams(timer: NewTimer, now: number): unknown[] {
    return [
      timer.id,
      timer.kind,
      timer.handler,
      timer.timeoutHandler ?? null,
      timer.dueAt,
      JSON.stringify(timer.payload),
      timer.owner ?? null,
      timer.waitKey ?? null,
      timer.cron ?? null,
      timer.timezone ?? null,
      timer.misfire ?? null,
      now,
      timer.retryPolicy === undefined ? null : JSON.stringify(timer.retryPolicy),
      timer.retryOf === undefined ? null : JSON.stringify(timer.retryOf),
    ];
  }

  async schedule(timer: NewTimer, now: number): Promise<ScheduleResult> {
    if (timer.kind === 'external') {
      // Registration and the lookback check run in one function under the key's lock (see the migration).
      const { rows } = await this.q<{ created: boolean }>('scheduleFn', [JSON.stringify(timer), now]);
      const record = await this.get(timer.id);
      return { created: rows[0]?.created === true, timer: record as TimerRecord };
    }
    const { rows } = await this.q<TimerRow>('insert', this.insertParams(timer, now));
    const row = rows[0];
    if (row) return { created: true, timer: toRecord(row) };
    return { created: false, timer: (await this.get(timer.id)) as TimerRecord };
  }

  async replace(timer: NewTimer, now: number): Promise<TimerRecord> {
    const { rows } = await this.q<TimerRow>('replace', this.insertParams(timer, now));
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

  async outcomes(timerId: string): Promise<TimerOutcomeRecord[]> {
    const { rows } = await this.q<OutcomeRow>('outcomes', [timerId]);
    return rows.map((r) => ({
      timerId: r.timer_id,
      scheduledFor: Number(r.scheduled_for),
      outcome: r.outcome,
      node: r.node,
      at: Number(r.at),
      ...(r.detail !== null ? { detail: r.detail } : {}),
    }));
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
