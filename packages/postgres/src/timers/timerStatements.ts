// The timer store's SQL statements for one schema, prepared by name (claims with FOR UPDATE SKIP LOCKED, batched completions).

/** The statements by name; the store prepares each as `lucent_tm_<schema>_<name>`. */
export function timerStatements(s: string): Record<string, string> {
  const t = `${s}.lucent_timers`;
  return {
    insert: `INSERT INTO ${t} (id, kind, handler, timeout_handler, due_at, deadline, payload, owner, wait_key, cron, timezone, misfire, registered_at,
          retry_policy, retry_of)
        VALUES ($1, $2, $3, $4, $5, CASE WHEN $2 IN ('external', 'condition') THEN $5::bigint END, $6::jsonb, $7, $8, $9, $10, $11, $12, $13::jsonb, $14::jsonb)
        ON CONFLICT (id) DO NOTHING RETURNING *`,
    scheduleFn: `SELECT ${s}.lucent_timer_schedule($1::jsonb, $2) AS created`,
    get: `SELECT * FROM ${t} WHERE id = $1`,
    replace: `INSERT INTO ${t} (id, kind, handler, timeout_handler, due_at, deadline, payload, owner, wait_key, cron, timezone, misfire, registered_at,
          retry_policy, retry_of)
        VALUES ($1, $2, $3, $4, $5, CASE WHEN $2 IN ('external', 'condition') THEN $5::bigint END, $6::jsonb, $7, $8, $9, $10, $11, $12, $13::jsonb, $14::jsonb)
        ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, handler = excluded.handler, timeout_handler = excluded.timeout_handler,
          due_at = excluded.due_at, deadline = excluded.deadline, payload = excluded.payload, owner = excluded.owner,
          wait_key = excluded.wait_key, cron = excluded.cron, timezone = excluded.timezone, misfire = excluded.misfire,
          retry_policy = excluded.retry_policy, retry_of = excluded.retry_of,
          state = 'pending', outcome = NULL, attempts = 0, match = NULL, claimed_by = NULL, claimed_until = NULL, claim_token = NULL
        RETURNING *`,
    cancel: `WITH c AS (
          UPDATE ${t} SET state = 'cancelled', outcome = 'cancelled', claimed_by = NULL, claimed_until = NULL, claim_token = NULL
          WHERE id = $1 AND state = 'pending' RETURNING id, due_at)
        INSERT INTO ${s}.lucent_timer_outcomes (timer_id, scheduled_for, outcome, node, at)
          SELECT id, due_at, 'cancelled', 'store', $2 FROM c ON CONFLICT DO NOTHING RETURNING timer_id`,
    cancelOwner: `WITH c AS (
          UPDATE ${t} SET state = 'cancelled', outcome = 'cancelled', claimed_by = NULL, claimed_until = NULL, claim_token = NULL
          WHERE owner = $1 AND state = 'pending' RETURNING id, due_at),
        o AS (INSERT INTO ${s}.lucent_timer_outcomes (timer_id, scheduled_for, outcome, node, at)
          SELECT id, due_at, 'cancelled', 'store', $2 FROM c ON CONFLICT DO NOTHING)
        SELECT count(*)::int AS n FROM c`,
    // SKIP LOCKED: a row another node is claiming right now is passed over, not waited for, so
    // concurrent claimers split the due rows between them and no row is handed to two.
    // The due rows are found through lucent_timers_due (due_at, partial on pending); the update
    // then reaches them by primary key. Joining \`FROM due\` instead let the planner hash-join
    // against a scan of the whole table, done rows included: a claim slowed as history grew.
    // $6 (prefetch horizon) ≥ $2 (now). Prefetched rows (one-offs and cron only) are leased
    // from their due time, so holding them early does not shorten the lease.
    claim: `WITH due AS (
          SELECT id FROM ${t}
          WHERE state = 'pending' AND due_at <= $6::bigint
            AND (due_at <= $2::bigint OR (kind IN ('once', 'cron') AND match IS NULL))
            AND (claimed_until IS NULL OR claimed_until < $2::bigint)
          ORDER BY due_at LIMIT $4
          FOR UPDATE SKIP LOCKED)
        UPDATE ${t} t SET claimed_by = $1, claimed_until = greatest(t.due_at, $2::bigint) + $3::bigint, claim_token = $5 || ':' || t.id
        WHERE t.id = ANY (ARRAY(SELECT id FROM due))
        RETURNING t.*`,
    // Many completions in one statement (one commit, one fsync): each item finishes or re-arms
    // its row only while it still holds the claim, and its outcomes are logged and the one-offs
    // it arms (a failed cron run's retry) stored only then. A retry timer's outcomes are logged
    // under the job it retries.
    completeMany: `WITH input AS (
          SELECT x->>'id' AS id, x->>'token' AS token, (x->>'rearmAt')::bigint AS rearm_at, x->>'final' AS final,
            x->>'node' AS node, x->'outcomes' AS outcomes, x->'arm' AS arm
          FROM jsonb_array_elements($1::jsonb) AS x),
        t AS (
          UPDATE ${t} AS r SET
            state = CASE WHEN i.rearm_at IS NULL THEN 'done' ELSE 'pending' END,
            outcome = CASE WHEN i.rearm_at IS NULL THEN i.final ELSE r.outcome END,
            due_at = coalesce(i.rearm_at, r.due_at),
            attempts = CASE WHEN i.rearm_at IS NULL THEN r.attempts ELSE 0 END,
            claimed_by = NULL, claimed_until = NULL, claim_token = NULL
          FROM input i
          WHERE r.id = i.id AND r.claim_token = i.token AND r.state = 'pending'
          RETURNING r.id, coalesce(r.retry_of->>'timerId', r.id) AS log_id),
        o AS (INSERT INTO ${s}.lucent_timer_outcomes (timer_id, scheduled_for, outcome, node, at, detail)
          SELECT t.log_id, (y->>'scheduledFor')::bigint, y->>'outcome', i.node, $2, y->'detail'
          FROM input i JOIN t ON t.id = i.id CROSS JOIN LATERAL jsonb_array_elements(i.outcomes) AS y
          ON CONFLICT DO NOTHING),
        a AS (INSERT INTO ${t} (id, kind, handler, due_at, payload, owner, registered_at, retry_policy, retry_of)
          SELECT y->>'id', y->>'kind', y->>'handler', (y->>'dueAt')::bigint, y->'payload', y->>'owner', $2, y->'retryPolicy', y->'retryOf'
          FROM input i JOIN t ON t.id = i.id CROSS JOIN LATERAL jsonb_array_elements(i.arm) AS y
          WHERE i.arm IS NOT NULL
          ON CONFLICT (id) DO NOTHING)
        SELECT id FROM t`,
    renew: `UPDATE ${t} AS r SET claimed_until = greatest(r.claimed_until, $2::bigint)
        FROM jsonb_to_recordset($1::jsonb) AS c(id text, token text)
        WHERE r.id = c.id AND r.claim_token = c.token AND r.state = 'pending'
        RETURNING r.id`,
    release: `UPDATE ${t} AS r SET claimed_by = NULL, claimed_until = NULL, claim_token = NULL
        FROM jsonb_to_recordset($1::jsonb) AS c(id text, token text)
        WHERE r.id = c.id AND r.claim_token = c.token AND r.state = 'pending'`,
    retry: `UPDATE ${t} SET due_at = $3, attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL, claim_token = NULL
        WHERE id = $1 AND claim_token = $2 AND state = 'pending' RETURNING id`,
    match: `UPDATE ${t} SET match = $2::jsonb, due_at = $3
        WHERE id = $1 AND state = 'pending' AND kind IN ('external', 'condition') AND match IS NULL
          AND claim_token IS NULL AND $3 < deadline RETURNING id`,
    deliver: `SELECT status, timer_id, arrived_at, payload, duplicate FROM ${s}.lucent_timer_deliver($1, $2, $3::jsonb, $4)`,
    nextDue: `SELECT least(
          (SELECT due_at FROM ${t} WHERE state = 'pending' AND claim_token IS NULL ORDER BY due_at LIMIT 1),
          (SELECT claimed_until FROM ${t} WHERE state = 'pending' AND claim_token IS NOT NULL ORDER BY claimed_until LIMIT 1)) AS next`,
    // LIMIT NULL is no limit; the newest rows come through the primary key (timer_id, scheduled_for, outcome) read backwards.
    outcomes: `SELECT * FROM (SELECT * FROM ${s}.lucent_timer_outcomes WHERE timer_id = $1
        ORDER BY scheduled_for DESC, at DESC, outcome DESC LIMIT $2) AS latest ORDER BY scheduled_for, at, outcome`,
    arrivals: `SELECT * FROM ${s}.lucent_external_arrivals WHERE key = $1 ORDER BY arrived_at, arrival_id`,
  };
}
