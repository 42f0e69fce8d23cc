// Event store migration 8: appends that end in one executor statement. Applied by existing databases, so its SQL never changes.
import type { SchemaMigration } from '../../migrations/runMigrations.js';

/**
 * Check and bump the stream version inside an append function (migration 8; lucent_bump_stream's
 * steps written in): for any a plain UPDATE, and the upsert only for a new stream; noStream an
 * INSERT that does nothing on a conflict; an exact version an UPDATE conditioned on it. No row:
 * LU409 with the stream's current version as DETAIL. Sets v_version; `n` is the event count.
 */
const bumpStream = (s: string, n: string): string => `  IF p_expected = 'any' THEN
    UPDATE ${s}.lucent_streams SET version = version + ${n} WHERE stream_id = p_stream RETURNING version INTO v_version;
    IF v_version IS NULL THEN
      INSERT INTO ${s}.lucent_streams AS st (stream_id, version) VALUES (p_stream, ${n})
        ON CONFLICT (stream_id) DO UPDATE SET version = st.version + ${n} RETURNING st.version INTO v_version;
    END IF;
  ELSIF p_expected = 'noStream' OR p_expected = '0' THEN
    INSERT INTO ${s}.lucent_streams (stream_id, version) VALUES (p_stream, ${n})
      ON CONFLICT (stream_id) DO NOTHING RETURNING version INTO v_version;
  ELSIF p_expected = 'streamExists' THEN
    UPDATE ${s}.lucent_streams SET version = version + ${n} WHERE stream_id = p_stream RETURNING version INTO v_version;
  ELSE
    UPDATE ${s}.lucent_streams SET version = version + ${n}
      WHERE stream_id = p_stream AND version = p_expected::bigint RETURNING version INTO v_version;
  END IF;
  IF v_version IS NULL THEN
    RAISE EXCEPTION 'version conflict on %', p_stream USING ERRCODE = 'LU409',
      DETAIL = coalesce((SELECT st.version FROM ${s}.lucent_streams st WHERE st.stream_id = p_stream), 0)::text;
  END IF;`;

export const migration8: SchemaMigration = {
  version: 8,
  name: 'appends that end in one executor statement: the stream lock tried as an expression, no position probe for a transaction\'s first write, a single event\'s version bump and insert in one statement',
  // Same guarantees as migration 7, fewer executor statements per append (each costs a full
  // executor start on a 2-core server; bench/src/probes/appendParts.ts):
  // - the stream lock is first tried with pg_try_advisory_xact_lock, a PL/pgSQL simple expression,
  //   and only waited for (PERFORM pg_advisory_xact_lock) when another writer of the stream holds it;
  // - a transaction that had no id before the append (every append of the store itself) gets its id
  //   from the append's first write, after the lock, so no event of it is stored yet: its first
  //   position is its base and the index probe for the next free position is skipped (kept, with
  //   the order check, for a transaction that wrote before);
  // - the version bump is written in (no nested call of lucent_bump_stream), and for one event
  //   without an idempotency key on an existing stream with expected version any or an exact
  //   version, the UPDATE of the stream row and the INSERT of the event are one statement. Its
  //   UPDATE matching no row means a new stream (any) or a conflict (exact version), handled after.
  // Both functions are restated whole (CREATE OR REPLACE), so their declarations and key check repeat
  // migration 7's text: by design, as each applied migration's text is frozen on its own.
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
  IF NOT pg_try_advisory_xact_lock(${0x4c56}, hashtext(p_stream)) THEN
    PERFORM pg_advisory_xact_lock(${0x4c56}, hashtext(p_stream));
  END IF;
${bumpStream(s, 'n')}
  v_base := (pg_current_xact_id()::text::bigint << 16) + ${s}.lucent_position_offset();
  IF v_had_id THEN
    SELECT coalesce(max(e.global_position) + 1, v_base) INTO v_first FROM ${s}.lucent_events e
      WHERE e.global_position >= v_base AND e.global_position < v_base + 65536;
    IF v_version > n THEN PERFORM ${s}.lucent_check_order(p_stream, v_version - n + 1, v_first); END IF;
  ELSE
    v_first := v_base;
  END IF;
  IF v_first + n > v_base + 65536 THEN
    RAISE EXCEPTION 'more than 65536 events in one transaction' USING ERRCODE = 'LU413', DETAIL = n::text;
  END IF;
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
  n constant int := 1;
  v_version bigint;
  v_base bigint;
  v_position bigint;
  v_expected bigint;
  v_stored bigint[];
  v_had_id boolean;
BEGIN
  IF p_key IS NOT NULL THEN
    v_stored := ${s}.lucent_check_key(p_key, p_stream, p_fingerprint);
    IF v_stored IS NOT NULL THEN RETURN v_stored; END IF;
  END IF;
  v_had_id := pg_current_xact_id_if_assigned() IS NOT NULL;
  IF NOT pg_try_advisory_xact_lock(${0x4c56}, hashtext(p_stream)) THEN
    PERFORM pg_advisory_xact_lock(${0x4c56}, hashtext(p_stream));
  END IF;
  IF NOT v_had_id AND p_key IS NULL THEN
    -- The common append: bump an existing stream and insert the event in one statement. The id of
    -- the transaction comes with the UPDATE, after the stream lock; no event of it is stored yet.
    IF p_expected = 'any' THEN
      WITH b AS (UPDATE ${s}.lucent_streams SET version = version + 1 WHERE stream_id = p_stream RETURNING version)
      INSERT INTO ${s}.lucent_events (global_position, stream_id, stream_version, event_id, type, data, metadata)
        SELECT (pg_current_xact_id()::text::bigint << 16) + ${s}.lucent_position_offset(), p_stream, b.version,
               p_id, p_type, p_data, p_metadata FROM b
        RETURNING global_position, stream_version INTO v_position, v_version;
      IF v_version IS NOT NULL THEN RETURN ARRAY[v_version, v_position, 0]; END IF;
    ELSIF p_expected <> 'noStream' AND p_expected <> '0' AND p_expected <> 'streamExists' THEN
      v_expected := p_expected::bigint;
      WITH b AS (UPDATE ${s}.lucent_streams SET version = version + 1 WHERE stream_id = p_stream AND version = v_expected
                 RETURNING version)
      INSERT INTO ${s}.lucent_events (global_position, stream_id, stream_version, event_id, type, data, metadata)
        SELECT (pg_current_xact_id()::text::bigint << 16) + ${s}.lucent_position_offset(), p_stream, b.version,
               p_id, p_type, p_data, p_metadata FROM b
        RETURNING global_position, stream_version INTO v_position, v_version;
      IF v_version IS NOT NULL THEN RETURN ARRAY[v_version, v_position, 0]; END IF;
      RAISE EXCEPTION 'version conflict on %', p_stream USING ERRCODE = 'LU409',
        DETAIL = coalesce((SELECT st.version FROM ${s}.lucent_streams st WHERE st.stream_id = p_stream), 0)::text;
    END IF;
  END IF;
${bumpStream(s, 'n')}
  v_base := (pg_current_xact_id()::text::bigint << 16) + ${s}.lucent_position_offset();
  IF v_had_id THEN
    SELECT coalesce(max(e.global_position) + 1, v_base) INTO v_position FROM ${s}.lucent_events e
      WHERE e.global_position >= v_base AND e.global_position < v_base + 65536;
    IF v_position >= v_base + 65536 THEN
      RAISE EXCEPTION 'more than 65536 events in one transaction' USING ERRCODE = 'LU413', DETAIL = '1';
    END IF;
    IF v_version > 1 THEN PERFORM ${s}.lucent_check_order(p_stream, v_version, v_position); END IF;
  ELSE
    v_position := v_base;
  END IF;
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
