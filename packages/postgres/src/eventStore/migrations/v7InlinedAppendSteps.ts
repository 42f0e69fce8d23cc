// Event store migration 7: the stream lock and positions written into the append functions. Applied by existing databases, so its SQL never changes.
import type { SchemaMigration } from '../../migrations/runMigrations.js';

export const migration7: SchemaMigration = {
  version: 7,
  name: 'the stream lock and the positions taken inside the append functions (no nested function calls)',
  // The same steps as migration 6, written into the two append functions instead of called:
  // each nested PL/pgSQL call costs its own entry and exit on a 2-core server shared by all writers.
  sql: (s) => `
CREATE OR REPLACE FUNCTION ${s}.lucent_append(p_stream text, p_expected text, p_events jsonb, p_key text, p_fingerprint text DEFAULT NULL)
RETURNS TABLE (next_version bigint, last_position bigint, duplicate boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
  n int := jsonb_array_length(p_events);
  v_version bigint;
  v_base bigint;
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
  v_had_id := pg_current_xact_id_if_assigned() IS NOT NULL;
  PERFORM pg_advisory_xact_lock(${0x4c56}, hashtext(p_stream));
  v_version := ${s}.lucent_bump_stream(p_stream, p_expected, n);
  v_base := (pg_current_xact_id()::text::bigint << 16) + ${s}.lucent_position_offset();
  SELECT coalesce(max(e.global_position) + 1, v_base) INTO v_first FROM ${s}.lucent_events e
    WHERE e.global_position >= v_base AND e.global_position < v_base + 65536;
  IF v_first + n > v_base + 65536 THEN
    RAISE EXCEPTION 'more than 65536 events in one transaction' USING ERRCODE = 'LU413', DETAIL = n::text;
  END IF;
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
  v_base bigint;
  v_position bigint;
  v_stored bigint[];
  v_had_id boolean;
BEGIN
  IF p_key IS NOT NULL THEN
    v_stored := ${s}.lucent_check_key(p_key, p_stream, p_fingerprint);
    IF v_stored IS NOT NULL THEN RETURN v_stored; END IF;
  END IF;
  v_had_id := pg_current_xact_id_if_assigned() IS NOT NULL;
  PERFORM pg_advisory_xact_lock(${0x4c56}, hashtext(p_stream));
  v_version := ${s}.lucent_bump_stream(p_stream, p_expected, 1);
  v_base := (pg_current_xact_id()::text::bigint << 16) + ${s}.lucent_position_offset();
  SELECT coalesce(max(e.global_position) + 1, v_base) INTO v_position FROM ${s}.lucent_events e
    WHERE e.global_position >= v_base AND e.global_position < v_base + 65536;
  IF v_position >= v_base + 65536 THEN
    RAISE EXCEPTION 'more than 65536 events in one transaction' USING ERRCODE = 'LU413', DETAIL = '1';
  END IF;
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
