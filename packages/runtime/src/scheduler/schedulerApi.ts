// The Scheduler's public vocabulary: handlers, jobs, waits and triggers that sagas and services arm.
import type { Contract, EventFilter, JsonValue, MisfirePolicy, RetryPolicy } from '@lucent/core';
import type { StoredEvent } from '../eventStore/eventStore.js';
import type { ArrivalRecord, ExternalMatch, FireReason, TimerRecord } from './timerStore.js';

/** What a handler receives when its timer fires. */
export interface TimerFiring<P = JsonValue> {
  readonly timer: TimerRecord;
  /** The timer's payload, checked against the handler's contract when it has one. */
  readonly payload: P;
  /** `due` (time reached), `matched` (a wait's event or condition arrived), `timeout` (a wait's deadline passed). */
  readonly reason: FireReason;
  /** The occurrence this run stands for. */
  readonly scheduledFor: number;
  /**
   * Stable per run: `${timer id}@${scheduledFor}`, the same for every attempt (a cron run's retries
   * carry the job's id). Use it as the idempotency key of the run's effects.
   */
  readonly firingKey: string;
  /** For a matched wait: the arrival (external) or the evidence (condition). */
  readonly match?: ExternalMatch;
  /** The scheduler's clock reading when the run started. */
  readonly now: number;
  /** How many earlier attempts of this run failed: 0 on the first try, 1 on the first retry… */
  readonly attempt: number;
  /** While tracing is on: the traceparent of this run's `timer …` span, to hand to the commands and calls it makes. */
  readonly traceparent?: string;
}

export type TimerHandler<P = JsonValue> = (firing: TimerFiring<P>) => Promise<void> | void;

export interface HandlerOptions<P> {
  /** Payload contract, checked when a timer is armed (bad payload → nothing stored) and again when it fires. */
  readonly payload?: Contract<P>;
}

export interface CronJob {
  /** Stable job id: re-registering it on every start keeps its schedule (and its missed runs). */
  readonly id: string;
  /** Five fields (minute precision) or six (with seconds first), e.g. `* * * * *`, `*\/5 * * * * *`. */
  readonly expression: string;
  readonly handler: string;
  readonly payload?: JsonValue;
  readonly misfire: MisfirePolicy;
  readonly timezone?: string;
  /**
   * How a failed run is tried again: `maxAttempts` tries in all (the run included; 1 turns retries
   * off), capped exponential backoff from `baseDelayMs` to `maxDelayMs`. Default: 3 tries, 1 s, 60 s.
   * Each retry is a timer of its own, so it never delays or replaces the job's next occurrence.
   */
  readonly retry?: RetryPolicy;
  /** Replace a stored job whose expression, handler, payload or policies differ (default true). */
  readonly replace?: boolean;
}

export interface OneOffTimer {
  readonly id: string;
  readonly handler: string;
  readonly payload?: JsonValue;
  readonly owner?: string;
  /** Exactly one of dueAt (epoch ms) and delayMs. */
  readonly dueAt?: number;
  readonly delayMs?: number;
}

export interface ExternalWait {
  /** What arrivals are matched on, e.g. `tx:0xabc…:confirmed`. */
  readonly key: string;
  readonly timeoutMs: number;
  /** Handler run once with reason `matched` and the arrival. */
  readonly onMatch: string;
  /** Fallback handler run once with reason `timeout` when nothing matched in time. */
  readonly onTimeout: string;
  readonly payload?: JsonValue;
  readonly owner?: string;
  /** Timer id (dedupe key); defaults to `wait:${key}`. */
  readonly id?: string;
  /** Arrivals up to this long before the wait still match (default 7 days). */
  readonly lookbackMs?: number;
}

export interface WaitRegistration {
  readonly id: string;
  readonly created: boolean;
  /** True when an arrival that came before the wait matched it at once. */
  readonly matchedOnArrival: boolean;
}

export interface DeliverOptions {
  /** Dedupe key for a redelivered callback (default: derived from key and payload). */
  readonly arrivalId?: string;
}

/** A trigger run for each appended event matching the filter, exactly once per event across nodes. */
export interface EventTrigger {
  readonly name: string;
  readonly filter: EventFilter;
  readonly handler: string;
  /** Payload to store with the firing; defaults to the event (`{ stream, type, data, globalPosition }`). */
  readonly payloadOf?: (event: StoredEvent) => JsonValue;
}

/** A predicate over a projection, re-evaluated whenever a relevant event is appended. */
export interface ConditionDefinition {
  readonly name: string;
  /** Events that may change the predicate's answer. */
  readonly filter: EventFilter;
  /**
   * The subject (e.g. a position id) an event concerns, or several (one price move re-checks every
   * position on that asset); undefined or an empty list to ignore the event. Repeats are checked once.
   */
  readonly subjectOf: (event: StoredEvent) => string | readonly string[] | undefined;
  /** Read the projection and apply the (pure) predicate; evidence is handed to the onTrue handler. */
  readonly holds: (subject: string, event: StoredEvent | undefined) => Promise<ConditionCheck> | ConditionCheck;
}

export type ConditionCheck = { readonly holds: false } | { readonly holds: true; readonly evidence: JsonValue };

export interface ConditionWait {
  readonly condition: string;
  readonly subject: string;
  readonly onTrue: string;
  /** Deadline; without it the condition waits until it holds or is cancelled. */
  readonly timeoutMs?: number;
  /** Required with timeoutMs. */
  readonly onTimeout?: string;
  readonly payload?: JsonValue;
  readonly owner?: string;
  /** Timer id (dedupe key); defaults to `condition:${condition}:${subject}`. */
  readonly id?: string;
}

export type { ArrivalRecord };

/**
 * Any trigger as one tagged value, for schedules that come from configuration or an HTTP body
 * (`scheduler.arm`). An unknown `trigger` is refused with SCHEDULE_INVALID and nothing is stored.
 */
export type TriggerRequest =
  | ({ readonly trigger: 'cron' } & CronJob)
  | ({ readonly trigger: 'delay' } & OneOffTimer)
  | ({ readonly trigger: 'external' } & ExternalWait)
  | ({ readonly trigger: 'condition' } & ConditionWait);

export const triggerKinds: readonly TriggerRequest['trigger'][] = ['cron', 'delay', 'external', 'condition'];
