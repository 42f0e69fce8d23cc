// Event store migration 5: positions from the appending transaction id; no lock, no NOTIFY in an append. Applied by existing databases, so its SQL never changes.
import type { SchemaMigration } from '../../migrations/runMigrations.js';

export const migration5: SchemaMigration = {
  version: 5,
  name: 'positions from the appending transaction id, read below the oldest running transaction; no lock, no NOTIFY in an append',
  // Until now positions came from a sequence under a lock held to commit, and every append sent
  // pg_notify (whose queue lock is also held to commit): commits of different streams took turns
  // and never shared a WAL flush (~4k events/s whatever the number of writers). Now an append's
  // positions are its top-level transaction id shifted left 16 bits plus its ordinal in the
  // transaction, plus a constant offset that keeps them above every position stored before this
  // step. A reader takes only positions below (oldest running transaction id << 16) + offset, read
  // from the statement's own snapshot: every transaction below that id has ended, and any event
  // still to commit belongs to a transaction at or above it, so it has a higher position than
  // everything read. A single number stays a safe checkpoint (see docs/event-store.md).
  //
  // The step first takes the old position lock, so appends of the old functions still running
  // finish first; it then drops the sequence (an old append queued behind it fails and writes
  // nothing). Wake-ups leave the transaction: the store notifies after the append returns.
  sql: (s) => `
SELECT pg_advisory_xact_lock(${0x4c55}, '${s}.lucent_positions'::regclass::oid::int);
DO $do$
DECLARE
  v_offset bigint;
BEGIN
  -- Every transaction that can still append has an id at or above the snapshot's xmin.
  SELECT greatest(0, coalesce(max(global_position), 0) + 1 - (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 16))
    INTO v_offset FROM ${s}.lucent_events;
  EXECUTE format('CREATE FUNCTION ${s}.lucent_position_offset() RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L',
    'SELECT ' || v_offset || '::bigint');
END
$do$;
DROP SEQUENCE ${s}.lucent_positions;
-- The first position an event of a transaction still running may take: nothing below it is still to commit.
CREATE FUNCTION ${s}.lucent_read_horizon() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS
  $fn$ SELECT (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 16) + ${s}.lucent_position_offset() $fn$;
-- The first free position of the calling transaction for n events (several appends may share one transaction).
CREATE FUNCTION ${s}.lucent_take_positions(n int) RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
  v_base bigint := (pg_current_xact_id()::text::bigint << 16) + ${s}.lucent_position_offset();
  v_first bigint;
BEGIN
  SELECT coalesce(max(e.global_position) + 1, v_base) INTO v_first FROM ${s}.lucent_events e
    WHERE e.global_position >= v_base AND e.global_position < v_base + 65536;
  IF v_first + n > v_base + 65536 THEN
    RAISE EXCEPTION 'more than 65536 events in one transaction' USING ERRCODE = 'LU413', DETAIL = n::text;
  END IF;
  RETURN v_first;
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
BEGIN
  IF p_key IS NOT NULL THEN
    v_stored := ${s}.lucent_check_key(p_key, p_stream, p_fingerprint);
    IF v_stored IS NOT NULL THEN
      RETURN QUERY SELECT v_stored[1], v_stored[2], true;
      RETURN;
    END IF;
  END IF;
  v_version := ${s}.lucent_bump_stream(p_stream, p_expected, n);
  v_first := ${s}.lucent_take_positions(n);
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
BEGIN
  IF p_key IS NOT NULL THEN
    v_stored := ${s}.lucent_check_key(p_key, p_stream, p_fingerprint);
    IF v_stored IS NOT NULL THEN RETURN v_stored; END IF;
  END IF;
  v_version := ${s}.lucent_bump_stream(p_stream, p_expected, 1);
  v_position := ${s}.lucent_take_positions(1);
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
