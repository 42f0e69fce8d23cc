// The durable timer store port: schedule, cancel, claim due timers with a lease, complete, record outcomes and arrivals.
import { ValidationError, type JsonValue, type MisfirePolicy, type RetryPolicy, type TimerKind } from '@lucent/core';

/** A timer to store. Times are epoch ms from the scheduler's clock. */
export interface NewTimer {
  /** Dedupe key: scheduling an id that already exists (in any state) stores nothing. */
  readonly id: string;
  readonly kind: TimerKind;
  /** Name of the handler the scheduler runs when it fires (for waits: on match). */
  readonly handler: string;
  readonly dueAt: number;
  readonly payload: JsonValue;
  /** Who armed it (e.g. `saga:42`), so all of an owner's timers can be cancelled or listed together. */
  readonly owner?: string;
  /** `external` and `condition`: what arrivals or condition checks are matched on. */
  readonly waitKey?: string;
  /** `external` and `condition`: the fallback handler run when the deadline (dueAt) passes unmatched. */
  readonly timeoutHandler?: string;
  /** `external`: arrivals up to this long before registration still match (default 7 days). */
  readonly lookbackMs?: number;
  /** `cron`: the expression (with seconds when it has six fields) and its time zone. */
  readonly cron?: string;
  readonly timezone?: string;
  readonly misfire?: MisfirePolicy;
  /** `cron`: how a failed run is tried again (absent: the scheduler's default); a retry timer: the policy it follows. */
  readonly retryPolicy?: RetryPolicy;
  /** Set on a retry timer (a `once` timer): the cron run it tries again. Its outcomes are logged under `retryOf.timerId`. */
  readonly retryOf?: RetryOf;
}

/** The cron run a retry timer tries again: the job and the occurrence whose run failed. */
export interface RetryOf {
  readonly timerId: string;
  readonly scheduledFor: number;
}

export type TimerState = 'pending' | 'done' | 'cancelled';

/**
 * How a firing ended; the outcome log keeps one row per (timer, scheduledFor, outcome).
 * `retrying`: a cron run failed and a retry timer was armed; that retry logs the run's final
 * `fired` or `failed` under the job's id.
 */
export type TimerOutcomeKind = 'fired' | 'matched' | 'timeout' | 'skipped' | 'failed' | 'cancelled' | 'retrying';

/** An outside event matched to (or waiting for) an external wait. */
export interface ExternalMatch {
  readonly arrivalId: string;
  readonly payload: JsonValue;
  readonly arrivedAt: number;
}

export interface TimerRecord extends NewTimer {
  readonly state: TimerState;
  /** Set once the timer is done: how it ended. */
  readonly outcome?: TimerOutcomeKind;
  readonly registeredAt: number;
  /** `external`/`condition`: the deadline as armed; dueAt may move later when a fallback is retried, this never does. */
  readonly deadline?: number;
  /** Failed runs so far (reset when a cron timer re-arms). */
  readonly attempts: number;
  /** `external`/`condition`: what matched it; the timer is then due at once and fires with reason `matched`. */
  readonly match?: ExternalMatch;
  readonly claimedBy?: string;
  readonly claimedUntil?: number;
}

/** Why a claimed timer fires. */
export type FireReason = 'due' | 'matched' | 'timeout';

/** A timer this node holds until `claimedUntil`; only the holder of `claimToken` may complete it. */
export interface ClaimedTimer extends TimerRecord {
  readonly claimToken: string;
  readonly claimedBy: string;
  readonly claimedUntil: number;
  readonly reason: FireReason;
}

export interface ScheduleResult {
  /** False when a timer with this id already existed: nothing was written. */
  readonly created: boolean;
  readonly timer: TimerRecord;
}

export interface OutcomeInput {
  readonly outcome: TimerOutcomeKind;
  /** The occurrence this run stands for (dueAt for one-offs, the cron occurrence for jobs). */
  readonly scheduledFor: number;
  readonly detail?: JsonValue;
}

export interface CompleteInput {
  readonly outcomes: readonly OutcomeInput[];
  /** Re-arm instead of finishing (cron): the next due time, or undefined to finish the timer. */
  readonly rearmAt?: number;
  /**
   * One-off timers stored in the same atomic step, and only when the claim is still held (a
   * failed cron run's retry): a run whose claim was lost arms nothing. An id that exists stores nothing.
   */
  readonly arm?: readonly NewTimer[];
}

export interface TimerOutcomeRecord extends OutcomeInput {
  readonly timerId: string;
  readonly node: string;
  readonly at: number;
}

/** An outside event handed to `deliver`. */
export interface NewArrival {
  readonly key: string;
  readonly payload: JsonValue;
  /** Dedupe key for redelivered callbacks; a repeat stores nothing and returns the first result. */
  readonly arrivalId: string;
}

export type ArrivalStatus = 'matched' | 'late' | 'stored';

export interface ArrivalRecord extends NewArrival {
  readonly arrivedAt: number;
  readonly status: ArrivalStatus;
  /** The wait it matched, or the timed-out wait it came late for. */
  readonly timerId?: string;
}

export interface DeliveryResult {
  readonly arrival: ArrivalRecord;
  readonly duplicate: boolean;
}

/** One finished run for `completeMany`: the claim and how it ended. */
export interface Completion {
  readonly claim: ClaimedTimer;
  readonly input: CompleteInput;
}

export interface ClaimOptions {
  /**
   * Also claim one-off and cron timers due up to this time (epoch ms), so the caller can fire
   * them at their exact due time from memory instead of paying the claim's round trip late.
   * Their lease runs from their due time. Waits and conditions are never claimed early: an
   * arrival just before a deadline must still be able to match.
   */
  readonly prefetchUntil?: number;
}

/** What a store announces to a watching scheduler (PostgreSQL: LISTEN/NOTIFY). */
export interface TimerStoreListener {
  /** A pending timer became due soon (armed shortly before its time, or matched): wake up if it is earlier than planned. */
  readonly due: (dueAt: number) => void;
  /**
   * A claim was taken away (the timer was cancelled or replaced, or another node took it over
   * after the lease lapsed): a holder that claimed it ahead of time must not fire it.
   */
  readonly dropped: (claimToken: string) => void;
}

export interface OutcomeQuery {
  /** Only the newest this many (an integer >= 1), still oldest first: a cron's last runs without its whole history. */
  readonly latest?: number;
}

/** Every store checks an outcome query the same way before any I/O: a ValidationError whose issue path names the option. */
export function checkOutcomeQuery(query: OutcomeQuery): void {
  const { latest } = query;
  if (latest !== undefined && (!Number.isInteger(latest) || latest < 1)) {
    throw new ValidationError('input', 'timer outcomes query', [{ path: 'latest', message: 'must be an integer >= 1' }]);
  }
}

export interface TimerQuery {
  readonly owner?: string;
  readonly kind?: TimerKind;
  readonly waitKey?: string;
  readonly state?: TimerState;
  readonly limit?: number;
}

/**
 * One durable table of timers. Every method that depends on time takes `now` from the
 * caller (the scheduler's clock), so a virtual clock drives every implementation alike.
 * Implementations: in-memory (runtime), PostgreSQL and PGlite (@lucent/postgres); all pass
 * `timerStoreContract`.
 */
export interface TimerStore {
  /**
   * Store a timer unless its id exists. An `external` timer is matched, in the same atomic
   * step, against stored arrivals for its key within its lookback, so an early arrival is
   * never missed.
   */
  schedule(timer: NewTimer, now: number): Promise<ScheduleResult>;
  /**
   * Overwrite a stored timer's definition and make it pending again (a cron job whose
   * expression, handler or payload changed in code). Stores it when missing.
   */
  replace(timer: NewTimer, now: number): Promise<TimerRecord>;
  /** Cancel a pending timer; false when it is missing or already done. */
  cancel(id: string, now: number): Promise<boolean>;
  /** Cancel every pending timer of an owner; returns how many. */
  cancelOwner(owner: string, now: number): Promise<number>;
  /**
   * Claim up to `limit` pending timers that are due (or matched) and not held by a live lease,
   * earliest first, for `node` until `now + leaseMs`. Across all nodes sharing the store each
   * claim is held by exactly one node at a time (PostgreSQL: FOR UPDATE SKIP LOCKED).
   */
  claimDue(node: string, now: number, leaseMs: number, limit: number, options?: ClaimOptions): Promise<ClaimedTimer[]>;
  /**
   * Finish (or re-arm) a claimed timer, record its outcomes (a retry timer's under the job it
   * retries) and store `input.arm`; false, and nothing written, when the claim was lost.
   */
  complete(claim: ClaimedTimer, input: CompleteInput, now: number): Promise<boolean>;
  /** `complete` for many claims in one atomic step (one statement on PostgreSQL); one flag per item, in order. */
  completeMany(items: readonly Completion[], now: number): Promise<boolean[]>;
  /**
   * Extend the leases of claims still held to at least `now + leaseMs` (a handler running long);
   * returns the ids still held. A claim missing from the answer was lost (cancelled, replaced, or
   * taken over after it lapsed).
   */
  renew(claims: readonly ClaimedTimer[], now: number, leaseMs: number): Promise<string[]>;
  /** Give back claims that were never fired (a stopping scheduler's prefetched timers) so any node may take them at once. */
  release(claims: readonly ClaimedTimer[]): Promise<void>;
  /** Give a claimed timer back to be retried at `retryAt`, counting a failed attempt; false when the claim was lost. */
  retry(claim: ClaimedTimer, retryAt: number, error: string, now: number): Promise<boolean>;
  /**
   * Mark a pending `external` or `condition` timer matched: it becomes due at once and fires
   * with reason `matched`. False when it is not pending, already matched, or past its deadline.
   */
  match(id: string, match: ExternalMatch, now: number): Promise<boolean>;
  /**
   * Record an outside event durably and, in the same atomic step, match it to the earliest
   * waiting `external` timer on its key; after that wait's deadline it is recorded `late`
   * and applied to nothing; with no wait it is kept for a later wait's lookback.
   */
  deliver(arrival: NewArrival, now: number): Promise<DeliveryResult>;
  get(id: string): Promise<TimerRecord | undefined>;
  list(query: TimerQuery): Promise<TimerRecord[]>;
  /** Earliest dueAt among pending timers (matched ones count as due now), to plan the next wake-up. */
  nextDueAt(): Promise<number | undefined>;
  /** A timer's outcome log, oldest first (by scheduledFor, then time); `latest` keeps only the newest entries. */
  outcomes(timerId: string, options?: OutcomeQuery): Promise<TimerOutcomeRecord[]>;
  arrivals(key: string): Promise<ArrivalRecord[]>;
  /**
   * Optional: be told at once when another process arms a timer due soon or cancels a claimed
   * one, instead of at the next poll. Returns a function that stops watching.
   */
  watch?(listener: TimerStoreListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
