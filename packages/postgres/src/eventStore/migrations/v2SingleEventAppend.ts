// Event store migration 2: the single-event append function and the shared version check (lucent_bump_stream). Applied by existing databases, so its SQL never changes.
import type { SchemaMigration } from '../../migrations/runMigrations.js';
import { notifyChannel } from './schemaSql.js';

export const migration2: SchemaMigration = {
  version: 2,
  name: 'single-event append function; the version check shared by both append functions',
  // Most appends carry one event. Passing it as plain parameters (no JSON array to unpack) and
  // returning one array value instead of a result set takes about a tenth off a single append
  // (bench/src/probes/appendParts.ts). Both functions check and bump the stream version in one
  // place, lucent_bump_stream, which for "any" tries the plain UPDATE first and falls back to
  // the upsert only for a new stream (a speculative insert on every append cost more).
  sql: (s) => `
CREATE FUNCTION ${s}.lucent_bump_stream(p_stream text, p_expected text, n int) RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
  v_version bigint;
BEGIN
  IF p_expected = 'any' THEN
    UPDATE ${s}.lucent_streams SET version = version + n WHERE stream_id = p_stream RETURNING version INTO v_version;
    IF v_version IS NULL THEN
      INSERT INTO ${s}.lucent_streams AS st (stream_id, version) VALUES (p_stream, n)
        ON CONFLICT (stream_id) DO UPDATE SET version = st.version + n RETURNING st.version INTO v_version;
    END IF;
  ELSIF p_expected = 'noStream' OR p_expected = '0' THEN
    INSERT INTO ${s}.lucent_streams (stream_id, version) VALUES (p_stream, n)
      ON CONFLICT (stream_id) DO NOTHING RETURNING version INTO v_version;
  ELSIF p_expected = 'streamExists' THEN
    UPDATE ${s}.lucent_streams SET version = version + n WHERE stream_id = p_stream RETURNING version INTO v_version;
  ELSE
    UPDATE ${s}.lucent_streams SET version = version + n
      WHERE stream_id = p_stream AND version = p_expected::bigint RETURNING version INTO v_version;
  END IF;
  IF v_version IS NULL THEN
    RAISE EXCEPTION 'version conflict on %', p_stream USING ERRCODE = 'LU409',
      DETAIL = coalesce((SELECT st.version FROM ${s}.lucent_streams st WHERE st.stream_id = p_stream), 0)::text;
  END IF;
  RETURN v_version;
END
$fn$;
CREATE OR REPLACE FUNCTION ${s}.lucent_append(p_stream text, p_expected text, p_events jsonb, p_key text)
RETURNS TABLE (next_version bigint, last_position bigint, duplicate boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
  n int := jsonb_array_length(p_events);
  v_version bigint;
  v_position bigint;
BEGIN
  IF p_key IS NOT NULL THEN
    RETURN QUERY SELECT k.next_version, k.last_position, true FROM ${s}.lucent_idempotency_keys k WHERE k.key = p_key;
    IF FOUND THEN RETURN; END IF;
  END IF;
  v_version := ${s}.lucent_bump_stream(p_stream, p_expected, n);
  UPDATE ${s}.lucent_global_position SET value = value + n WHERE id RETURNING value INTO v_position;
  INSERT INTO ${s}.lucent_events (global_position, stream_id, stream_version, event_id, type, data, metadata)
    SELECT v_position - n + e.ord, p_stream, v_version - n + e.ord, (e.value->>'id')::uuid, e.value->>'type',
           e.value->'data', e.value->'metadata'
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, ord);
  IF p_key IS NOT NULL THEN
    INSERT INTO ${s}.lucent_idempotency_keys (key, stream_id, next_version, last_position)
      VALUES (p_key, p_stream, v_version, v_position);
  END IF;
  PERFORM pg_notify('${notifyChannel(s)}', v_position::text);
  RETURN QUERY SELECT v_version, v_position, false;
END
$fn$;
-- Returns {next_version, last_position, duplicate (0 or 1)}.
CREATE FUNCTION ${s}.lucent_append_one(p_stream text, p_expected text, p_id uuid, p_type text, p_data jsonb,
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
  UPDATE ${s}.lucent_global_position SET value = value + 1 WHERE id RETURNING value INTO v_position;
  INSERT INTO ${s}.lucent_events (global_position, stream_id, stream_version, event_id, type, data, metadata)
    VALUES (v_position, p_stream, v_version, p_id, p_type, p_data, p_metadata);
  IF p_key IS NOT NULL THEN
    INSERT INTO ${s}.lucent_idempotency_keys (key, stream_id, next_version, last_position)
      VALUES (p_key, p_stream, v_version, v_position);
  END IF;
  PERFORM pg_notify('${notifyChannel(s)}', v_position::text);
  RETURN ARRAY[v_version, v_position, 0];
END
$fn$;`,
};
