// The event store's SQL statements for one schema, and the rows they return as StoredEvents.
import type { EventMetadata, StoredEvent } from '@lucent/runtime';

export interface EventRow {
  global_position: string | number;
  stream_id: string;
  stream_version: string | number;
  event_id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  ts: string | number;
}

export interface AppendRow {
  next_version: string | number;
  last_position: string | number;
  duplicate: boolean;
}

const columns = `global_position, stream_id, stream_version, event_id, type, data, metadata,
  (extract(epoch from created_at) * 1000)::float8 AS ts`;

export function toStored(r: EventRow): StoredEvent {
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

/** The statements the store prepares by name (`lucent_es_<schema>_<name>`). */
export type EventStatement = 'append' | 'appendOne' | 'appendOneAny' | 'appendOneAt' | 'appendGroup' | 'readFwd' | 'readBack' | 'readAll' | 'heldBack' | 'version';

/**
 * One event, no idempotency key, on an existing stream, expected version `any` (or exactly `$6`),
 * as one statement the store sends in its own transaction: what `lucent_append_one`'s common branch
 * does (migration 8), without the function call — about 6% of a single append's time on 2 cores
 * (`node bench/dist/probes/appendParts.js 40`). The stream lock is tried in the UPDATE's condition,
 * so it is held before the row is written, hence before the transaction has an id, as in the
 * function. No row back — a new stream, a stale expected version, or the lock held by another writer
 * of the stream — and nothing was written: the caller runs `lucent_append_one`, which waits for the
 * lock, upserts a new stream, or raises the conflict with the current version. The version is
 * always the row's: `expected` is a plain number there (`$6` as bigint), never compared as text.
 */
function oneStatementAppend(s: string, versionCheck: string): string {
  return `WITH b AS (UPDATE ${s}.lucent_streams SET version = version + 1
      WHERE stream_id = $1${versionCheck} AND pg_try_advisory_xact_lock(${0x4c56}, hashtext($1)) RETURNING version)
    INSERT INTO ${s}.lucent_events (global_position, stream_id, stream_version, event_id, type, data, metadata)
      SELECT (pg_current_xact_id()::text::bigint << 16) + ${s}.lucent_position_offset(), $1, b.version, $2, $3, $4, $5 FROM b
    RETURNING global_position, stream_version`;
}

export function eventStatements(s: string): Record<EventStatement, string> {
  return {
    append: `SELECT next_version, last_position, duplicate FROM ${s}.lucent_append($1, $2, $3::jsonb, $4, $5)`,
    appendOne: `SELECT ${s}.lucent_append_one($1, $2, $3, $4, $5, $6, $7, $8) AS r`,
    // The common append as one plain statement, without the PL/pgSQL call (see oneStatementAppend below).
    appendOneAny: oneStatementAppend(s, ''),
    appendOneAt: oneStatementAppend(s, ' AND version = $6'),
    appendGroup: `SELECT ${s}.lucent_append_group($1::jsonb) AS r`,
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
}
