// Event store migration 1: tables for streams, events, the position counter, idempotency keys and checkpoints; the append function. Applied by existing databases, so its SQL never changes.
import type { SchemaMigration } from '../../migrations/runMigrations.js';
import { notifyChannel } from './schemaSql.js';

export const migration1: SchemaMigration = {
  version: 1,
  name: 'streams, events, global position, idempotency keys, checkpoints, append function',
  sql: (s) => `
CREATE TABLE ${s}.lucent_streams (
  stream_id text PRIMARY KEY,
  version bigint NOT NULL
);
CREATE TABLE ${s}.lucent_events (
  global_position bigint PRIMARY KEY,
  stream_id text NOT NULL,
  stream_version bigint NOT NULL,
  event_id uuid NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, stream_version)
);
CREATE TABLE ${s}.lucent_global_position (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  value bigint NOT NULL
);
INSERT INTO ${s}.lucent_global_position (id, value) VALUES (true, 0);
CREATE TABLE ${s}.lucent_idempotency_keys (
  key text PRIMARY KEY,
  stream_id text NOT NULL,
  next_version bigint NOT NULL,
  last_position bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE ${s}.lucent_checkpoints (
  subscriber_id text PRIMARY KEY,
  position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- One statement per append, so one round trip and one commit. The global position counter row is
-- taken last and held to commit: positions are handed out in commit order with no holes, which is
-- what makes "read everything after position N" gap-safe (see docs/event-store.md). Migration 3
-- replaces the row with a sequence under an advisory lock; the guarantee is the same.
CREATE FUNCTION ${s}.lucent_append(p_stream text, p_expected text, p_events jsonb, p_key text)
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
  IF p_expected = 'any' THEN
    INSERT INTO ${s}.lucent_streams AS st (stream_id, version) VALUES (p_stream, n)
      ON CONFLICT (stream_id) DO UPDATE SET version = st.version + n RETURNING st.version INTO v_version;
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
$fn$;`,
};
