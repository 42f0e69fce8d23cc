// Versioned schema migrations of the durable timer store, serialized across processes by an advisory lock.
import { announceWithinMs } from '@lucent/runtime';
import { checkSchemaName } from '../eventStore/migrations.js';
import type { SqlClient } from '../eventStore/sqlClient.js';
import { runMigrations, type SchemaMigration } from '../migrations/runMigrations.js';

/** Default lookback of an external wait (7 days), applied when a timer does not state one. */
export const defaultLookbackMs = 7 * 24 * 3_600_000;

const migrations: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'timers, outcomes, external arrivals, schedule and deliver functions',
    sql: (s) => `
-- Times are epoch ms from the scheduler's clock (bigint), not now(): a virtual clock drives tests,
-- and every node of one deployment compares the same kind of reading.
CREATE TABLE ${s}.lucent_timers (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('once', 'cron', 'external', 'condition')),
  handler text NOT NULL,
  timeout_handler text,
  due_at bigint NOT NULL,
  deadline bigint,
  payload jsonb NOT NULL,
  owner text,
  wait_key text,
  lookback_ms bigint,
  cron text,
  timezone text,
  misfire text,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'cancelled')),
  outcome text,
  registered_at bigint NOT NULL,
  attempts int NOT NULL DEFAULT 0,
  match jsonb,
  claimed_by text,
  claimed_until bigint,
  claim_token text
);
CREATE INDEX lucent_timers_due ON ${s}.lucent_timers (due_at) WHERE state = 'pending';
CREATE INDEX lucent_timers_lease ON ${s}.lucent_timers (claimed_until) WHERE state = 'pending' AND claim_token IS NOT NULL;
CREATE INDEX lucent_timers_wait ON ${s}.lucent_timers (wait_key, registered_at) WHERE wait_key IS NOT NULL;
CREATE INDEX lucent_timers_owner ON ${s}.lucent_timers (owner) WHERE owner IS NOT NULL;
CREATE TABLE ${s}.lucent_timer_outcomes (
  timer_id text NOT NULL,
  scheduled_for bigint NOT NULL,
  outcome text NOT NULL,
  node text NOT NULL,
  at bigint NOT NULL,
  detail jsonb,
  PRIMARY KEY (timer_id, scheduled_for, outcome)
);
CREATE TABLE ${s}.lucent_external_arrivals (
  arrival_id text PRIMARY KEY,
  key text NOT NULL,
  payload jsonb NOT NULL,
  arrived_at bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('matched', 'late', 'stored')),
  timer_id text
);
CREATE INDEX lucent_external_arrivals_key ON ${s}.lucent_external_arrivals (key, arrived_at);

-- Registering a wait and delivering an arrival both take a transaction-scoped advisory lock on
-- the key: without it a wait and an arrival committing at the same moment could each miss the
-- other under READ COMMITTED, and an early confirmation would be lost.
CREATE FUNCTION ${s}.lucent_timer_schedule(p jsonb, p_now bigint)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
  v_id text := p->>'id';
  v_kind text := p->>'kind';
  v_key text := p->>'waitKey';
  v_due bigint := (p->>'dueAt')::bigint;
  v_lookback bigint := coalesce((p->>'lookbackMs')::bigint, ${defaultLookbackMs});
  v_arrival ${s}.lucent_external_arrivals%ROWTYPE;
BEGIN
  IF v_kind = 'external' THEN
    PERFORM pg_advisory_xact_lock(hashtext('lucent.wait.' || v_key));
  END IF;
  INSERT INTO ${s}.lucent_timers (id, kind, handler, timeout_handler, due_at, deadline, payload, owner, wait_key,
      lookback_ms, cron, timezone, misfire, registered_at)
    VALUES (v_id, v_kind, p->>'handler', p->>'timeoutHandler', v_due,
      CASE WHEN v_kind IN ('external', 'condition') THEN v_due END, p->'payload', p->>'owner', v_key,
      CASE WHEN v_kind = 'external' THEN v_lookback END, p->>'cron', p->>'timezone', p->>'misfire', p_now)
    ON CONFLICT (id) DO NOTHING;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  IF v_kind = 'external' THEN
    SELECT * INTO v_arrival FROM ${s}.lucent_external_arrivals a
      WHERE a.key = v_key AND a.status = 'stored' AND a.arrived_at >= p_now - v_lookback AND a.arrived_at < v_due
      ORDER BY a.arrived_at, a.arrival_id LIMIT 1 FOR UPDATE;
    IF FOUND THEN
      UPDATE ${s}.lucent_external_arrivals SET status = 'matched', timer_id = v_id WHERE arrival_id = v_arrival.arrival_id;
      UPDATE ${s}.lucent_timers SET due_at = p_now,
          match = jsonb_build_object('arrivalId', v_arrival.arrival_id, 'payload', v_arrival.payload, 'arrivedAt', v_arrival.arrived_at)
        WHERE id = v_id;
    END IF;
  END IF;
  RETURN true;
END
$fn$;

CREATE FUNCTION ${s}.lucent_timer_deliver(p_key text, p_arrival_id text, p_payload jsonb, p_now bigint)
RETURNS TABLE (status text, timer_id text, arrived_at bigint, payload jsonb, duplicate boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_timer text;
  v_status text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('lucent.wait.' || p_key));
  RETURN QUERY SELECT a.status, a.timer_id, a.arrived_at, a.payload, true
    FROM ${s}.lucent_external_arrivals a WHERE a.arrival_id = p_arrival_id;
  IF FOUND THEN
    RETURN;
  END IF;
  -- The earliest wait still open takes it; a wait whose timeout is running (claimed) takes nothing.
  UPDATE ${s}.lucent_timers t SET due_at = p_now,
      match = jsonb_build_object('arrivalId', p_arrival_id, 'payload', p_payload, 'arrivedAt', p_now)
    WHERE t.id = (SELECT w.id FROM ${s}.lucent_timers w
        WHERE w.wait_key = p_key AND w.kind = 'external' AND w.state = 'pending' AND w.match IS NULL
          AND w.claim_token IS NULL AND p_now < w.deadline AND p_now >= w.registered_at - w.lookback_ms
        ORDER BY w.registered_at, w.id LIMIT 1 FOR UPDATE)
    RETURNING t.id INTO v_timer;
  IF v_timer IS NOT NULL THEN
    v_status := 'matched';
  ELSE
    SELECT w.id INTO v_timer FROM ${s}.lucent_timers w
      WHERE w.wait_key = p_key AND w.kind = 'external' AND p_now >= w.registered_at - w.lookback_ms
        AND ((w.state = 'done' AND w.outcome = 'timeout') OR (w.state = 'pending' AND w.match IS NULL AND p_now >= w.deadline))
      ORDER BY w.registered_at DESC, w.id DESC LIMIT 1;
    v_status := CASE WHEN v_timer IS NULL THEN 'stored' ELSE 'late' END;
  END IF;
  INSERT INTO ${s}.lucent_external_arrivals (arrival_id, key, payload, arrived_at, status, timer_id)
    VALUES (p_arrival_id, p_key, p_payload, p_now, v_status, v_timer);
  RETURN QUERY SELECT v_status, v_timer, p_now, p_payload, false;
END
$fn$;`,
  },
  {
    version: 2,
    name: 'announce timers due soon and claims taken away with NOTIFY',
    sql: (s) => `
-- Schedulers poll at least every pollIntervalMs, and a poll sees every timer due later than the
-- poll plus the prefetch window. Only a timer armed to fire sooner than that (or matched, which
-- makes it due at once) needs announcing, and only those are: every notifying commit takes
-- PostgreSQL's cluster-wide notify lock, which would serialise bulk arming if every insert notified.
CREATE FUNCTION ${s}.lucent_timer_announce() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.claim_token IS NOT NULL AND NEW.claim_token IS DISTINCT FROM OLD.claim_token THEN
    -- A claim taken away (cancel, replace, takeover after a lapse; or the holder finishing, which
    -- it ignores): a holder that claimed it ahead of its due time drops that claim, by token, so
    -- a late notice can never drop a newer claim of the same timer.
    IF length(OLD.claim_token) < 7900 THEN
      PERFORM pg_notify('${timerChannel(s)}', 'drop:' || OLD.claim_token);
    END IF;
  END IF;
  IF NEW.state = 'pending' AND NEW.claim_token IS NULL AND (TG_OP = 'INSERT' OR NEW.due_at < OLD.due_at) THEN
    PERFORM pg_notify('${timerChannel(s)}', 'due:' || NEW.due_at);
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER lucent_timers_announce_armed AFTER INSERT ON ${s}.lucent_timers FOR EACH ROW
  WHEN (NEW.state = 'pending' AND NEW.due_at < NEW.registered_at + ${announceWithinMs})
  EXECUTE FUNCTION ${s}.lucent_timer_announce();
CREATE TRIGGER lucent_timers_announce_changed AFTER UPDATE ON ${s}.lucent_timers FOR EACH ROW
  WHEN ((OLD.claim_token IS NOT NULL AND NEW.claim_token IS DISTINCT FROM OLD.claim_token AND NEW.state <> 'done')
     OR (NEW.state = 'pending' AND NEW.claim_token IS NULL AND NEW.due_at < OLD.due_at))
  EXECUTE FUNCTION ${s}.lucent_timer_announce();`,
  },
  {
    version: 3,
    name: 'retry policy of a cron job, and the run a retry timer tries again',
    sql: (s) => `
-- retry_policy: a cron job's stated policy (NULL: the scheduler's default), copied onto its retry timers.
-- retry_of: on a retry timer, {timerId, scheduledFor} of the failed cron run; its outcomes are logged under timerId.
-- Nullable columns without defaults: adding them rewrites nothing.
ALTER TABLE ${s}.lucent_timers ADD COLUMN IF NOT EXISTS retry_policy jsonb, ADD COLUMN IF NOT EXISTS retry_of jsonb;`,
  },
];

/** The NOTIFY channel of the timer store in `schema` (identifiers are at most 63 bytes). */
export function timerChannel(schema: string): string {
  return `lucent_timers_${schema}`.slice(0, 63);
}

export const latestTimerMigration = migrations[migrations.length - 1]?.version ?? 0;

/**
 * Bring the timer tables in `schema` up to the latest version. Safe from many processes at
 * once: a session advisory lock lets one run the steps while the others wait.
 */
export async function migrateTimerStore(client: SqlClient, schema: string): Promise<number[]> {
  const s = checkSchemaName(schema);
  return runMigrations(client, {
    schema: s,
    table: 'lucent_timer_store_migrations',
    lockKey: `lucent.timer_store.${s}`,
    migrations,
  });
}
