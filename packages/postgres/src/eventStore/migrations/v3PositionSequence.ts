// Event store migration 3: global positions from a sequence under a transaction advisory lock. Applied by existing databases, so its SQL never changes.
import type { SchemaMigration } from '../../migrations/runMigrations.js';
import { notifyChannel, takePositionLock } from './schemaSql.js';

export const migration3: SchemaMigration = {
  version: 3,
  name: 'global positions from a sequence under a transaction advisory lock instead of a counter row',
  // Same guarantee as version 1's counter row (positions handed out in commit order, so a range
  // read is gap-safe), without writing and logging a row version on every append: the lock lives
  // in shared memory and the sequence logs once per 32 values. Every caller of nextval holds the
  // lock to commit, so a batch may take its n positions with one nextval and one setval. A
  // rolled-back append leaves a hole, which readers pass over safely (no later commit fills it).
  // The lock key pairs a fixed Lucent class id with the sequence's own oid, one lock per schema.
  sql: (s) => `
LOCK TABLE ${s}.lucent_global_position IN EXCLUSIVE MODE;
CREATE SEQUENCE ${s}.lucent_positions AS bigint;
SELECT setval('${s}.lucent_positions', greatest(value, 1), value > 0) FROM ${s}.lucent_global_position;
CREATE OR REPLACE FUNCTION ${s}.lucent_append(p_stream text, p_expected text, p_events jsonb, p_key text)
RETURNS TABLE (next_version bigint, last_position bigint, duplicate boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
  n int := jsonb_array_length(p_events);
  v_version bigint;
  v_first bigint;
BEGIN
  IF p_key IS NOT NULL THEN
    RETURN QUERY SELECT k.next_version, k.last_position, true FROM ${s}.lucent_idempotency_keys k WHERE k.key = p_key;
    IF FOUND THEN RETURN; END IF;
  END IF;
  v_version := ${s}.lucent_bump_stream(p_stream, p_expected, n);
  ${takePositionLock(s)}
  v_first := nextval('${s}.lucent_positions');
  IF n > 1 THEN PERFORM setval('${s}.lucent_positions', v_first + n - 1); END IF;
  INSERT INTO ${s}.lucent_events (global_position, stream_id, stream_version, event_id, type, data, metadata)
    SELECT v_first - 1 + e.ord, p_stream, v_version - n + e.ord, (e.value->>'id')::uuid, e.value->>'type',
           e.value->'data', e.value->'metadata'
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, ord);
  IF p_key IS NOT NULL THEN
    INSERT INTO ${s}.lucent_idempotency_keys (key, stream_id, next_version, last_position)
      VALUES (p_key, p_stream, v_version, v_first + n - 1);
  END IF;
  PERFORM pg_notify('${notifyChannel(s)}', (v_first + n - 1)::text);
  RETURN QUERY SELECT v_version, v_first + n - 1, false;
END
$fn$;
CREATE OR REPLACE FUNCTION ${s}.lucent_append_one(p_stream text, p_expected text, p_id uuid, p_type text, p_data jsonb,
  p_metadata jsonb, p_key text) RETURNS bigint[]
LANGUAGE plpgsql AS $fn$
DECLARE
  v_version bigint;
  v_position bigint;
  v_stored bigint[];
BEGIN
  IF p_key IS NOT NULL THEN
    SELECT ARRAY[k.next_version, k.last_position, 1] INTO v_stored FROM ${s}.lucent_idempotency_keys k WHERE k.key = p_key;
    IF v_stored IS NOT NULL THEN RETURN v_stored; END IF;
  END IF;
  v_version := ${s}.lucent_bump_stream(p_stream, p_expected, 1);
  ${takePositionLock(s)}
  v_position := nextval('${s}.lucent_positions');
  INSERT INTO ${s}.lucent_events (global_position, stream_id, stream_version, event_id, type, data, metadata)
    VALUES (v_position, p_stream, v_version, p_id, p_type, p_data, p_metadata);
  IF p_key IS NOT NULL THEN
    INSERT INTO ${s}.lucent_idempotency_keys (key, stream_id, next_version, last_position)
      VALUES (p_key, p_stream, v_version, v_position);
  END IF;
  PERFORM pg_notify('${notifyChannel(s)}', v_position::text);
  RETURN ARRAY[v_version, v_position, 0];
END
$fn$;
DROP TABLE ${s}.lucent_global_position;`,
};
