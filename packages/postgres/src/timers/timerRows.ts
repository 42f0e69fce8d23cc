// The timer store's rows as PostgreSQL returns them, and their mapping to and from the TimerStore's records.
import type { JsonValue, MisfirePolicy, RetryPolicy, TimerKind } from '@lucent/core';
import type { ArrivalRecord, ArrivalStatus, ExternalMatch, NewTimer, RetryOf, TimerOutcomeKind, TimerOutcomeRecord, TimerRecord } from '@lucent/runtime';

/** A bigint column: a string from pg, a number from PGlite. */
export type Num = string | number;

export interface TimerRow {
  id: string;
  kind: TimerKind;
  handler: string;
  timeout_handler: string | null;
  due_at: Num;
  deadline: Num | null;
  payload: JsonValue;
  owner: string | null;
  wait_key: string | null;
  lookback_ms: Num | null;
  cron: string | null;
  timezone: string | null;
  misfire: MisfirePolicy | null;
  state: TimerRecord['state'];
  outcome: TimerOutcomeKind | null;
  registered_at: Num;
  attempts: number;
  match: ExternalMatch | null;
  claimed_by: string | null;
  claimed_until: Num | null;
  claim_token: string | null;
  retry_policy: RetryPolicy | null;
  retry_of: { timerId: string; scheduledFor: Num } | null;
}

export interface OutcomeRow {
  timer_id: string;
  scheduled_for: Num;
  outcome: TimerOutcomeKind;
  node: string;
  at: Num;
  detail: JsonValue | null;
}

export interface ArrivalRow {
  arrival_id: string;
  key: string;
  payload: JsonValue;
  arrived_at: Num;
  status: ArrivalStatus;
  timer_id: string | null;
}

export function toRecord(r: TimerRow): TimerRecord {
  const opt = <K extends string, V>(key: K, value: V | null): { [P in K]?: V } =>
    (value === null ? {} : { [key]: value }) as { [P in K]?: V };
  return {
    id: r.id,
    kind: r.kind,
    handler: r.handler,
    dueAt: Number(r.due_at),
    payload: r.payload,
    ...opt('owner', r.owner),
    ...opt('waitKey', r.wait_key),
    ...opt('timeoutHandler', r.timeout_handler),
    ...opt('lookbackMs', r.lookback_ms === null ? null : Number(r.lookback_ms)),
    ...opt('cron', r.cron),
    ...opt('timezone', r.timezone),
    ...opt('misfire', r.misfire),
    ...opt('retryPolicy', r.retry_policy),
    ...opt<'retryOf', RetryOf>('retryOf', r.retry_of === null ? null : { timerId: r.retry_of.timerId, scheduledFor: Number(r.retry_of.scheduledFor) }),
    state: r.state,
    ...opt('outcome', r.outcome),
    registeredAt: Number(r.registered_at),
    ...opt('deadline', r.deadline === null ? null : Number(r.deadline)),
    attempts: Number(r.attempts),
    ...opt('match', r.match === null ? null : { ...r.match, arrivedAt: Number(r.match.arrivedAt) }),
    ...opt('claimedBy', r.claimed_by),
    ...opt('claimedUntil', r.claimed_until === null ? null : Number(r.claimed_until)),
  };
}

export function toArrival(r: ArrivalRow): ArrivalRecord {
  return {
    arrivalId: r.arrival_id,
    key: r.key,
    payload: r.payload,
    arrivedAt: Number(r.arrived_at),
    status: r.status,
    ...(r.timer_id !== null ? { timerId: r.timer_id } : {}),
  };
}

/** The parameters of the `insert` and `replace` statements, in their order. */
export function insertParams(timer: NewTimer, now: number): unknown[] {
  return [
    timer.id,
    timer.kind,
    timer.handler,
    timer.timeoutHandler ?? null,
    timer.dueAt,
    JSON.stringify(timer.payload),
    timer.owner ?? null,
    timer.waitKey ?? null,
    timer.cron ?? null,
    timer.timezone ?? null,
    timer.misfire ?? null,
    now,
    timer.retryPolicy === undefined ? null : JSON.stringify(timer.retryPolicy),
    timer.retryOf === undefined ? null : JSON.stringify(timer.retryOf),
  ];
}

export function toOutcome(r: OutcomeRow): TimerOutcomeRecord {
  return {
    timerId: r.timer_id,
    scheduledFor: Number(r.scheduled_for),
    outcome: r.outcome,
    node: r.node,
    at: Number(r.at),
    ...(r.detail !== null ? { detail: r.detail } : {}),
  };
}
