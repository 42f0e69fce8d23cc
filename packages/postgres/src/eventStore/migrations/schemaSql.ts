// Names the event store's SQL and its TypeScript share (schema check, NOTIFY channel, index, generated-id range) and the position lock statement of migrations 3 and 4.
import { ValidationError } from '@lucent/core';

const schemaPattern = /^[a-z_][a-z0-9_]{0,50}$/;

/** Check a schema name before it is spliced into SQL (identifiers cannot be bound parameters). */
export function checkSchemaName(schema: string): string {
  if (!schemaPattern.test(schema)) {
    throw new ValidationError('config', 'event store', [
      { path: 'schema', message: 'must be lower-case letters, digits and _ (at most 51), starting with a letter or _' },
    ]);
  }
  return schema;
}

/** The channel appends notify; one per schema so stores in different schemas do not wake each other. */
export const notifyChannel = (schema: string): string => `lucent_events_${schema}`;

/**
 * The statement both append functions run before taking global positions: a transaction advisory
 * lock held to commit, keyed by a fixed Lucent class id ("LU") and the schema's sequence oid.
 */
export const takePositionLock = (s: string): string =>
  `PERFORM pg_advisory_xact_lock(${0x4c55}, '${s}.lucent_positions'::regclass::oid::int);`;

/** The unique index on (stream_id, event_id) (migration 4); a violation of it is DUPLICATE_EVENT_ID. */
export const eventIdIndex = 'lucent_events_stream_event_id';

/**
 * The range of ids the store generates (`generatedIdPrefix` in @lucent/runtime's appendInput.ts),
 * written out here because an applied migration must never change. Callers cannot give ids in it.
 */
export const generatedIdRange = ['4c556365-6e74-8000-0000-000000000000', '4c556365-6e74-8fff-ffff-ffffffffffff'] as const;
