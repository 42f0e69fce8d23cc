// Versioned, idempotent schema migrations for the event store, serialized across processes by an advisory lock.
import { ValidationError } from '@lucent/core';
import type { SqlClient } from './sqlClient.js';
import { runMigrations, type SchemaMigration } from '../migrations/runMigrations.js';

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
const takePositionLock = (s: string): string =>
  `PERFORM pg_advisory_xact_lock(${0x4c55}, '${s}.lucent_positions'::regclass::oid::int);`;

/** The unique index on (stream_id, event_id) (migration 4); a violation of it is DUPLICATE_EVENT_ID. */
export const eventIdIndex = 'lucent_events_stream_event_id';

/**
 * The range of ids the store generates (`generatedIdPrefix` in @lucent/runtime's appendInput.ts),
 * written out here because an applied migration must never change. Callers cannot give ids in it.
 */
export const generatedIdRange = ['4c556365-6e74-8000-0000-000000000000', '4c556365-6e74-8fff-ffff-ffffffffffff'] as const;

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

/** The numbered steps, oldest first (exported so a test can stop at an older version and upgrade). */
export const eventStoreMigrations: readonly SchemaMigration[] = [
  {
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
  },
  {
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
  },
  {
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
  },
  {
    version: 4,
    name: 'idempotency keys bound to their stream and request fingerprint; event ids unique within a stream',
    // Until now a key was looked up alone, so a key reused on another stream or with other events
    // returned the first result and wrote nothing: a silently lost write. Each key now keeps the
    // fingerprint of its first request (computed by the caller's process, see appendInput.ts),
    // and lucent_check_key refuses a key that comes back with another stream or fingerprint
    // (SQLSTATE LU410). Keys stored before this step have no fingerprint and are compared by
    // stream only. The key row is now inserted before the events, so of two racing appends with
    // one new key the loser trips over the key (and retries into the winner's result), never
    // over an event id.
    //
    // Event ids become unique per stream: a unique index, so no extra statement on the append
    // path. It leaves out ids in the range the store generates (see generatedIdRange): a caller
    // may not give one, so they never meet a caller's id, and they are unique by their 74 random
    // bits. Indexing them too cost 16–21% of batch throughput in an interleaved A/B (100 random ids
    // per append);
    // this way only appends that carry their own ids pay for the index. A database may already
    // hold repeated ids (a retried batch without a key): those later copies stay in the log, left
    // out of the index by name (their positions), while the first copy of each is indexed, so no
    // new event can repeat any stored id.
    //
    // The append functions take the fingerprint as a last parameter with a default, so callers
    // of the old signatures (a process not yet upgraded) keep working, with keys compared by
    // stream only. Building the index takes a write lock on lucent_events for its duration.
    sql: (s) => `
ALTER TABLE ${s}.lucent_idempotency_keys ADD COLUMN fingerprint text;
DO $do$
DECLARE
  v_later text;
BEGIN
  SELECT string_agg(d.global_position::text, ',' ORDER BY d.global_position) INTO v_later
  FROM (SELECT e.global_position, row_number() OVER (PARTITION BY e.stream_id, e.event_id ORDER BY e.global_position) AS copy
        FROM ${s}.lucent_events e
        WHERE e.event_id NOT BETWEEN '${generatedIdRange[0]}' AND '${generatedIdRange[1]}') d
  WHERE d.copy > 1;
  EXECUTE 'CREATE UNIQUE INDEX ${eventIdIndex} ON ${s}.lucent_events (stream_id, event_id)'
    || ' WHERE event_id NOT BETWEEN ''${generatedIdRange[0]}'' AND ''${generatedIdRange[1]}'''
    || CASE WHEN v_later IS NULL THEN '' ELSE ' AND global_position NOT IN (' || v_later || ')' END;
END
$do$;
-- NULL when the key is new; its stored result when it comes back with the same stream and
-- fingerprint (NULL on either side: compared by stream only); otherwise LU410, whose DETAIL is
-- {"stream": first stream, "reason": "stream" | "events"}.
CREATE FUNCTION ${s}.lucent_check_key(p_key text, p_stream text, p_fingerprint text) RETURNS bigint[]
LANGUAGE plpgsql AS $fn$
DECLARE
  k record;
BEGIN
  SELECT ik.stream_id, ik.fingerprint, ik.next_version, ik.last_position INTO k
    FROM ${s}.lucent_idempotency_keys ik WHERE ik.key = p_key;
  IF NOT FOUND THEN RETURN NULL; END IF;
  IF k.stream_id <> p_stream THEN
    RAISE EXCEPTION 'idempotency key reused on another stream' USING ERRCODE = 'LU410',
      DETAIL = json_build_object('stream', k.stream_id, 'reason', 'stream')::text;
  END IF;
  IF k.fingerprint <> p_fingerprint THEN
    RAISE EXCEPTION 'idempotency key reused with other events' USING ERRCODE = 'LU410',
      DETAIL = json_build_object('stream', k.stream_id, 'reason', 'events')::text;
  END IF;
  RETURN ARRAY[k.next_version, k.last_position, 1];
END
$fn$;
DROP FUNCTION ${s}.lucent_append(text, text, jsonb, text);
CREATE FUNCTION ${s}.lucent_append(p_stream text, p_expected text, p_events jsonb, p_key text, p_fingerprint text DEFAULT NULL)
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
  ${takePositionLock(s)}
  v_first := nextval('${s}.lucent_positions');
  IF n > 1 THEN PERFORM setval('${s}.lucent_positions', v_first + n - 1); END IF;
  IF p_key IS NOT NULL THEN
    INSERT INTO ${s}.lucent_idempotency_keys (key, stream_id, next_version, last_position, fingerprint)
      VALUES (p_key, p_stream, v_version, v_first + n - 1, p_fingerprint);
  END IF;
  INSERT INTO ${s}.lucent_events (global_position, stream_id, stream_version, event_id, type, data, metadata)
    SELECT v_first - 1 + e.ord, p_stream, v_version - n + e.ord, (e.value->>'id')::uuid, e.value->>'type',
           e.value->'data', e.value->'metadata'
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, ord);
  PERFORM pg_notify('${notifyChannel(s)}', (v_first + n - 1)::text);
  RETURN QUERY SELECT v_version, v_first + n - 1, false;
END
$fn$;
DROP FUNCTION ${s}.lucent_append_one(text, text, uuid, text, jsonb, jsonb, text);
CREATE FUNCTION ${s}.lucent_append_one(p_stream text, p_expected text, p_id uuid, p_type text, p_data jsonb,
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
  ${takePositionLock(s)}
  v_position := nextval('${s}.lucent_positions');
  IF p_key IS NOT NULL THEN
    INSERT INTO ${s}.lucent_idempotency_keys (key, stream_id, next_version, last_position, fingerprint)
      VALUES (p_key, p_stream, v_version, v_position, p_fingerprint);
  END IF;
  INSERT INTO ${s}.lucent_events (global_position, stream_id, stream_version, event_id, type, data, metadata)
    VALUES (v_position, p_stream, v_version, p_id, p_type, p_data, p_metadata);
  PERFORM pg_notify('${notifyChannel(s)}', v_position::text);
  RETURN ARRAY[v_version, v_position, 0];
END
$fn$;`,
  },
  {
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
  },
  {
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
  },
  {
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
  },
  {
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
  },
];

export const latestMigration = eventStoreMigrations[eventStoreMigrations.length - 1]?.version ?? 0;

/**
 * Bring `schema` up to the latest version. Safe to call from many processes at once: a
 * session advisory lock keyed by the schema lets one run the steps while the others wait,
 * then find nothing left to do.
 */
export async function migrateEventStore(client: SqlClient, schema: string): Promise<number[]> {
  const s = checkSchemaName(schema);
  return runMigrations(client, {
    schema: s,
    table: 'lucent_event_store_migrations',
    lockKey: `lucent.event_store.${s}`,
    migrations: eventStoreMigrations,
  });
}
