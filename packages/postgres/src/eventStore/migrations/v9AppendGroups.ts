// Event store migration 9: single-event appends of different streams committed together. Applied by existing databases, so its SQL never changes.
import type { SchemaMigration } from '../../migrations/runMigrations.js';

export const migration9: SchemaMigration = {
  version: 9,
  name: 'append groups: single-event appends to distinct streams in one call and one commit, each with its own version check',
  // lucent_append_group(p_events) takes a JSON array of members {s: stream, x: expected version,
  // id, type, data, metadata}, each one event of its own stream (appendGroups.ts never puts a
  // stream twice in a group). It returns two numbers per member, in order: the stream's new
  // version and the event's position, or (-1 - the stream's current version, 0) when the member's
  // expected version did not hold; that member writes nothing and the others go on. Any error
  // (a repeated event id) rolls the whole group back and the caller runs its members one by one.
  //
  // Gap-safe order and stream order hold as for a single append (migration 5, 6): every stream lock
  // is taken first, in ascending order of its key (two groups cannot wait on each other), before the
  // transaction has an id; the id comes with pg_current_xact_id() after the last lock, so it is above
  // the id of every earlier writer of those streams. A member's position is base + its ordinal − 1
  // (a member that writes nothing leaves its position unused, like a rolled-back append).
  sql: (s) => `
CREATE FUNCTION ${s}.lucent_append_group(p_events jsonb) RETURNS bigint[]
LANGUAGE plpgsql AS $fn$
DECLARE
  m record;
  v_version bigint;
  v_base bigint;
  v_out bigint[] := '{}';
BEGIN
  IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
    RAISE EXCEPTION 'an append group runs in a transaction of its own' USING ERRCODE = '25001';
  END IF;
  PERFORM pg_advisory_xact_lock(${0x4c56}, k.h)
    FROM (SELECT DISTINCT hashtext(e->>'s') AS h FROM jsonb_array_elements(p_events) AS e ORDER BY 1) AS k;
  v_base := (pg_current_xact_id()::text::bigint << 16) + ${s}.lucent_position_offset();
  FOR m IN SELECT e->>'s' AS s, e->>'x' AS x, (e->>'id')::uuid AS id, e->>'type' AS type, e->'data' AS data,
                  e->'metadata' AS metadata, t.ord
           FROM jsonb_array_elements(p_events) WITH ORDINALITY AS t(e, ord) LOOP
    v_version := NULL;
    IF m.x = 'any' OR m.x = 'streamExists' THEN
      UPDATE ${s}.lucent_streams SET version = version + 1 WHERE stream_id = m.s RETURNING version INTO v_version;
      IF v_version IS NULL AND m.x = 'any' THEN
        INSERT INTO ${s}.lucent_streams (stream_id, version) VALUES (m.s, 1)
          ON CONFLICT (stream_id) DO NOTHING RETURNING version INTO v_version;
      END IF;
    ELSIF m.x = 'noStream' OR m.x = '0' THEN
      INSERT INTO ${s}.lucent_streams (stream_id, version) VALUES (m.s, 1)
        ON CONFLICT (stream_id) DO NOTHING RETURNING version INTO v_version;
    ELSE
      UPDATE ${s}.lucent_streams SET version = version + 1
        WHERE stream_id = m.s AND version = m.x::bigint RETURNING version INTO v_version;
    END IF;
    IF v_version IS NULL THEN
      v_out := v_out || ARRAY[-1 - coalesce((SELECT st.version FROM ${s}.lucent_streams st WHERE st.stream_id = m.s), 0), 0];
    ELSE
      INSERT INTO ${s}.lucent_events (global_position, stream_id, stream_version, event_id, type, data, metadata)
        VALUES (v_base + m.ord - 1, m.s, v_version, m.id, m.type, m.data, m.metadata);
      v_out := v_out || ARRAY[v_version, v_base + m.ord - 1];
    END IF;
  END LOOP;
  RETURN v_out;
END
$fn$;`,
};
