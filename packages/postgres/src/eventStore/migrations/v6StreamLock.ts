// Event store migration 6: a stream lock taken before the transaction id. Applied by existing databases, so its SQL never changes.
import type { SchemaMigration } from '../../migrations/runMigrations.js';

export const migration6: SchemaMigration = {
  version: 6,
  name: 'a stream lock taken before the transaction id, so a stream\'s versions follow its positions',
  // Migration 5 derives positions from the transaction id, which PostgreSQL assigns at the first
  // write, and the first write was the stream row's UPDATE: a writer that queued on that row had
  // its id before the writer it waited for committed, so the stream's next version could take a
  // lower position than the one before it (found by historyCheck.int.spec.ts). Writers of one
  // stream now queue on a transaction advisory lock keyed by the stream ("LV", hashtext), which
  // needs no transaction id; the id comes with the first write, after the lock, so it is above the
  // id of every earlier writer of the stream. (Two streams whose hashes meet only share the queue.)
  // A transaction that wrote before calling an append (an explicit transaction of a caller)
  // already has its id: if that would put the new events below the stream's last position it is
  // refused with serialization_failure (40001), to be retried; the store never does this itself.
  sql: (s) => `
CREATE FUNCTION ${s}.lucent_lock_stream(p_stream text) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
  v_had_id boolean := pg_current_xact_id_if_assigned() IS NOT NULL;
BEGIN
  PERFORM pg_advisory_xact_lock(${0x4c56}, hashtext(p_stream));
  RETURN v_had_id;
END
$fn$;
-- After an append of a transaction that had its id before the stream lock: its first position must follow the stream's last.
CREATE FUNCTION ${s}.lucent_check_order(p_stream text, p_first_version bigint, p_first bigint) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM ${s}.lucent_events e
             WHERE e.stream_id = p_stream AND e.stream_version = p_first_version - 1 AND e.global_position >= p_first) THEN
    RAISE EXCEPTION 'append to % would precede the stream''s last event: retry the transaction', p_stream
      USING ERRCODE = '40001';
  END IF;
END
$fn$;
CREATE OR REPLACE FUNCTION ${s}.lucent_append(p_stream text, p_expected text, p_events jsonb, p_key text, p_fingerprint text DEFAULT NULL)
RETURNS TABLE (next_version bigint, last_position bigint, duplicate boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
  n int := jsonb_array_length(p_events);
  v_version bigint;
  v_first bigint;
  v_stored bigint[];
  v_had_id boolean;
BEGIN
  IF p_key IS NOT NULL THEN
    v_stored := ${s}.lucent_check_key(p_key, p_stream, p_fingerprint);
    IF v_stored IS NOT NULL THEN
      RETURN QUERY SELECT v_stored[1], v_stored[2], true;
      RETURN;
    END IF;
  END IF;
  v_had_id := ${s}.lucent_lock_stream(p_stream);
  v_version := ${s}.lucent_bump_stream(p_stream, p_expected, n);
  v_first := ${s}.lucent_take_positions(n);
  IF v_had_id AND v_version > n THEN PERFORM ${s}.lucent_check_order(p_stream, v_version - n + 1, v_first); END IF;
  IF p_key IS NOT NULL THEN
    INSERT INTO ${s}.lucent_idempotency_keys (key, stream_id, next_version, last_position, fingerprint)
      VALUES (p_key, p_stream, v_version, v_first + n - 1, p_fingerprint);
  END IF;
  INSERT INTO ${s}.lucent_events (global_position, stream_id, stream_version, event_id, type, data, metadata)
    SELECT v_first - 1 + e.ord, p_stream, v_version - n + e.ord, (e.value->>'id')::uuid, e.value->>'type',
           e.value->'data', e.value->'metadata'
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, ord);
  RETURN QUERY SELECT v_version, v_first + n - 1, false;
END
$fn$;
CREATE OR REPLACE FUNCTION ${s}.lucent_append_one(p_stream text, p_expected text, p_id uuid, p_type text, p_data jsonb,
  p_metadata jsonb, p_key text, p_fingerprint text DEFAULT NULL) RETURNS bigint[]
LANGUAGE plpgsql AS $fn$
DECLARE
  v_version bigint;
  v_position bigint;
  v_stored bigint[];
  v_had_id boolean;
BEGIN
  IF p_key IS NOT NULL THEN
    v_stored := ${s}.lucent_check_key(p_key, p_stream, p_fingerprint);
    IF v_stored IS NOT NULL THEN RETURN v_stored; END IF;
  END IF;
  v_had_id := ${s}.lucent_lock_stream(p_stream);
  v_version := ${s}.lucent_bump_stream(p_stream, p_expected, 1);
  v_position := ${s}.lucent_take_positions(1);
  IF v_had_id AND v_version > 1 THEN PERFORM ${s}.lucent_check_order(p_stream, v_version, v_position); END IF;
  IF p_key IS NOT NULL THEN
    INSERT INTO ${s}.lucent_idempotency_keys (key, stream_id, next_version, last_position, fingerprint)
      VALUES (p_key, p_stream, v_version, v_position, p_fingerprint);
  END IF;
  INSERT INTO ${s}.lucent_events (global_position, stream_id, stream_version, event_id, type, data, metadata)
    VALUES (v_position, p_stream, v_version, p_id, p_type, p_data, p_metadata);
  RETURN ARRAY[v_version, v_position, 0];
END
$fn$;`,
};
