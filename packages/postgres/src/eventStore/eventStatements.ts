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
export type EventStatement = 'append' | 'appendOne' | 'appendGroup' | 'readFwd' | 'readBack' | 'readAll' | 'heldBack' | 'version';

export function eventStatements(s: string): Record<EventStatement, string> {
  return {
    append: `SELECT next_version, last_position, duplicate FROM ${s}.lucent_append($1, $2, $3::jsonb, $4, $5)`,
    appendOne: `SELECT ${s}.lucent_append_one($1, $2, $3, $4, $5, $6, $7, $8) AS r`,
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
