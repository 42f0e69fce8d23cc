// In-memory timer store: the embedded twin of the SQL store, same contract, one process only.
import { randomUUID } from 'node:crypto';
import { firstMatchingArrival, judgeArrival, type ExternalWaitView } from '@lucent/core';
import type {
  ArrivalRecord,
  ClaimOptions,
  ClaimedTimer,
  CompleteInput,
  Completion,
  DeliveryResult,
  ExternalMatch,
  NewArrival,
  NewTimer,
  OutcomeQuery,
  ScheduleResult,
  TimerOutcomeKind,
  TimerOutcomeRecord,
  TimerQuery,
  TimerRecord,
  TimerStore,
  TimerStoreListener,
} from './timerStore.js';
import { checkOutcomeQuery } from './timerStore.js';

interface Row {
  timer: NewTimer;
  state: TimerRecord['state'];
  outcome: TimerOutcomeKind | undefined;
  registeredAt: number;
  deadline: number | undefined;
  dueAt: number;
  attempts: number;
  match: ExternalMatch | undefined;
  claimedBy: string | undefined;
  claimedUntil: number | undefined;
  claimToken: string | undefined;
}

const defaultLookbackMs = 7 * 24 * 3_600_000;
const isWait = (kind: NewTimer['kind']): boolean => kind === 'external' || kind === 'condition';
/** Arming a timer due within this long announces it to watchers (the SQL store's trigger uses the same window). */
export const announceWithinMs = 1_000;

function toRecord(r: Row): TimerRecord {
  return {
    ...r.timer,
    dueAt: r.dueAt,
    state: r.state,
    ...(r.outcome !== undefined ? { outcome: r.outcome } : {}),
    registeredAt: r.registeredAt,
    ...(r.deadline !== undefined ? { deadline: r.deadline } : {}),
    attempts: r.attempts,
    ...(r.match !== undefined ? { match: r.match } : {}),
    ...(r.claimedBy !== undefined ? { claimedBy: r.claimedBy } : {}),
    ...(r.claimedUntil !== undefined ? { claimedUntil: r.claimedUntil } : {}),
  };
}

function waitView(r: Row): ExternalWaitView {
  const timedOut = r.state === 'done' && r.outcome === 'timeout';
  return {
    key: r.timer.waitKey ?? '',
    registeredAt: r.registeredAt,
    deadline: r.deadline ?? r.dueAt,
    lookbackMs: r.timer.lookbackMs ?? defaultLookbackMs,
    state: timedOut ? 'timedOut' : r.state === 'pending' && r.match === undefined ? 'waiting' : r.state === 'cancelled' ? 'cancelled' : 'matched',
  };
}

/** JSON round trip, so callers can never mutate what the store holds (as with a database). */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A row freshly armed with `timer`: pending, unclaimed, unmatched. `replace` re-arms a row but keeps when it was registered. */
function armed(timer: NewTimer): Omit<Row, 'registeredAt'> {
  return {
    timer: copy(timer),
    state: 'pending',
    outcome: undefined,
    deadline: isWait(timer.kind) ? timer.dueAt : undefined,
    dueAt: timer.dueAt,
    attempts: 0,
    match: undefined,
    claimedBy: undefined,
    claimedUntil: undefined,
    claimToken: undefined,
  };
}

export class MemoryTimerStore implements TimerStore {
  private readonly rows = new Map<string, Row>();
  private readonly outcomeLog: TimerOutcomeRecord[] = [];
  private readonly outcomeKeys = new Set<string>();
  private readonly arrivalsById = new Map<string, ArrivalRecord>();
  private readonly listeners = new Set<TimerStoreListener>();

  private announceDue(dueAt: number): void {
    for (const l of this.listeners) l.due(dueAt);
  }

  private announceDropped(claimToken: string | undefined): void {
    if (claimToken !== undefined) for (const l of this.listeners) l.dropped(claimToken);
  }

  async schedule(timer: NewTimer, now: number): Promise<ScheduleResult> {
    const existing = this.rows.get(timer.id);
    if (existing) return { created: false, timer: toRecord(existing) };
    const row: Row = { ...armed(timer), registeredAt: now };
    if (timer.kind === 'external') {
      const unclaimed = [...this.arrivalsById.values()].filter((a) => a.key === timer.waitKey && a.status === 'stored');
      const early = firstMatchingArrival(waitView(row), unclaimed);
      if (early) {
        this.arrivalsById.set(early.arrivalId, { ...early, status: 'matched', timerId: timer.id });
        row.match = { arrivalId: early.arrivalId, payload: early.payload, arrivedAt: early.arrivedAt };
        row.dueAt = now;
      }
    }
    this.rows.set(timer.id, row);
    if (row.dueAt < now + announceWithinMs) this.announceDue(row.dueAt);
    return { created: true, timer: toRecord(row) };
  }

  async replace(timer: NewTimer, now: number): Promise<TimerRecord> {
    const existing = this.rows.get(timer.id);
    if (!existing) return (await this.schedule(timer, now)).timer;
    this.announceDropped(existing.claimToken);
    Object.assign(existing, armed(timer));
    return toRecord(existing);
  }

  async cancel(id: string, now: number): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.state !== 'pending') return false;
    const token = row.claimToken;
    this.finish(row, 'cancelled', now, [{ outcome: 'cancelled', scheduledFor: row.dueAt }], 'store');
    this.announceDropped(token);
    return true;
  }

  async cancelOwner(owner: string, now: number): Promise<number> {
    let n = 0;
    for (const row of this.rows.values()) {
      if (row.timer.owner === owner && (await this.cancel(row.timer.id, now))) n++;
    }
    return n;
  }

  async claimDue(node: string, now: number, leaseMs: number, limit: number, options: ClaimOptions = {}): Promise<ClaimedTimer[]> {
    const until = options.prefetchUntil ?? now;
    const due = [...this.rows.values()]
      .filter(
        (r) =>
          r.state === 'pending' &&
          (r.dueAt <= now || (r.dueAt <= until && !isWait(r.timer.kind) && r.match === undefined)) &&
          (r.claimedUntil === undefined || r.claimedUntil < now),
      )
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, limit);
    return due.map((r) => {
      // Taking over a lapsed claim: its old holder must not fire a copy it claimed ahead.
      this.announceDropped(r.claimToken);
      r.claimedBy = node;
      r.claimedUntil = Math.max(now, r.dueAt) + leaseMs;
      r.claimToken = randomUUID();
      const reason = r.match !== undefined ? 'matched' : isWait(r.timer.kind) ? 'timeout' : 'due';
      return { ...toRecord(r), claimedBy: node, claimedUntil: r.claimedUntil, claimToken: r.claimToken, reason };
    });
  }

  private holds(claim: ClaimedTimer): Row | undefined {
    const row = this.rows.get(claim.id);
    return row && row.state === 'pending' && row.claimToken === claim.claimToken ? row : undefined;
  }

  private record(timerId: string, node: string, now: number, outcomes: CompleteInput['outcomes']): void {
    for (const o of outcomes) {
      const key = `${timerId}\u0000${o.scheduledFor}\u0000${o.outcome}`;
      if (this.outcomeKeys.has(key)) continue;
      this.outcomeKeys.add(key);
      this.outcomeLog.push(copy({ timerId, node, at: now, ...o }));
    }
  }

  private finish(row: Row, state: 'done' | 'cancelled', now: number, outcomes: CompleteInput['outcomes'], node: string, logAs = row.timer.id): void {
    row.state = state;
    row.outcome = state === 'cancelled' ? 'cancelled' : finalOutcome(outcomes);
    row.claimedBy = row.claimedUntil = row.claimToken = undefined;
    this.record(logAs, node, now, outcomes);
  }

  async complete(claim: ClaimedTimer, input: CompleteInput, now: number): Promise<boolean> {
    const row = this.holds(claim);
    if (!row) return false;
    for (const timer of input.arm ?? []) {
      if (this.rows.has(timer.id)) continue;
      const armedRow: Row = { ...armed(timer), registeredAt: now };
      this.rows.set(timer.id, armedRow);
      if (armedRow.dueAt < now + announceWithinMs) this.announceDue(armedRow.dueAt);
    }
    // A retry's outcomes belong to the run it retries, so the job's history tells how that run ended.
    const logAs = row.timer.retryOf?.timerId ?? row.timer.id;
    if (input.rearmAt !== undefined) {
      this.record(logAs, claim.claimedBy, now, input.outcomes);
      row.dueAt = input.rearmAt;
      row.attempts = 0;
      row.claimedBy = row.claimedUntil = row.claimToken = undefined;
      return true;
    }
    this.finish(row, 'done', now, input.outcomes, claim.claimedBy, logAs);
    return true;
  }

  async completeMany(items: readonly Completion[], now: number): Promise<boolean[]> {
    const done: boolean[] = [];
    for (const item of items) done.push(await this.complete(item.claim, item.input, now));
    return done;
  }

  async renew(claims: readonly ClaimedTimer[], now: number, leaseMs: number): Promise<string[]> {
    const held: string[] = [];
    for (const claim of claims) {
      const row = this.holds(claim);
      if (!row) continue;
      row.claimedUntil = Math.max(row.claimedUntil ?? 0, now + leaseMs);
      held.push(claim.id);
    }
    return held;
  }

  async release(claims: readonly ClaimedTimer[]): Promise<void> {
    for (const claim of claims) {
      const row = this.holds(claim);
      if (row) row.claimedBy = row.claimedUntil = row.claimToken = undefined;
    }
  }

  async watch(listener: TimerStoreListener): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    return async () => {
      this.listeners.delete(listener);
    };
  }

  async retry(claim: ClaimedTimer, retryAt: number, _error: string, _now: number): Promise<boolean> {
    const row = this.holds(claim);
    if (!row) return false;
    row.dueAt = retryAt;
    row.attempts++;
    row.claimedBy = row.claimedUntil = row.claimToken = undefined;
    return true;
  }

  async match(id: string, match: ExternalMatch, now: number): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.state !== 'pending' || !isWait(row.timer.kind) || row.match !== undefined || row.claimToken !== undefined) return false;
    if (now >= (row.deadline ?? row.dueAt)) return false;
    row.match = copy(match);
    row.dueAt = now;
    this.announceDue(now);
    return true;
  }

  async deliver(arrival: NewArrival, now: number): Promise<DeliveryResult> {
    const seen = this.arrivalsById.get(arrival.arrivalId);
    if (seen) return { arrival: copy(seen), duplicate: true };
    const at = { key: arrival.key, arrivedAt: now };
    const waits = [...this.rows.values()]
      .filter((r) => r.timer.kind === 'external' && r.timer.waitKey === arrival.key)
      .sort((a, b) => a.registeredAt - b.registeredAt || (a.timer.id < b.timer.id ? -1 : 1));
    let record: ArrivalRecord = { ...copy(arrival), arrivedAt: now, status: 'stored' };
    // A claimed wait is settling (its timeout is running): it takes no arrival.
    const taker = waits.find((r) => r.claimToken === undefined && judgeArrival(waitView(r), at) === 'match');
    if (taker) {
      taker.match = { arrivalId: arrival.arrivalId, payload: copy(arrival.payload), arrivedAt: now };
      taker.dueAt = now;
      record = { ...record, status: 'matched', timerId: taker.timer.id };
      this.announceDue(now);
    } else {
      const missed = waits.filter((r) => judgeArrival(waitView(r), at) === 'late').pop();
      if (missed) record = { ...record, status: 'late', timerId: missed.timer.id };
    }
    this.arrivalsById.set(arrival.arrivalId, record);
    return { arrival: copy(record), duplicate: false };
  }

  async get(id: string): Promise<TimerRecord | undefined> {
    const row = this.rows.get(id);
    return row ? copy(toRecord(row)) : undefined;
  }

  async list(query: TimerQuery): Promise<TimerRecord[]> {
    return [...this.rows.values()]
      .filter(
        (r) =>
          (query.owner === undefined || r.timer.owner === query.owner) &&
          (query.kind === undefined || r.timer.kind === query.kind) &&
          (query.waitKey === undefined || r.timer.waitKey === query.waitKey) &&
          (query.state === undefined || r.state === query.state),
      )
      .sort((a, b) => a.dueAt - b.dueAt || (a.timer.id < b.timer.id ? -1 : 1))
      .slice(0, query.limit ?? 1_000)
      .map((r) => copy(toRecord(r)));
  }

  async nextDueAt(): Promise<number | undefined> {
    let best: number | undefined;
    for (const r of this.rows.values()) {
      if (r.state !== 'pending') continue;
      // A timer held by a live claim is next due when that claim could lapse, not at its past due time.
      const at = Math.max(r.dueAt, r.claimedUntil ?? -Infinity);
      if (best === undefined || at < best) best = at;
    }
    return best;
  }

  async outcomes(timerId: string, options: OutcomeQuery = {}): Promise<TimerOutcomeRecord[]> {
    checkOutcomeQuery(options);
    const log = this.outcomeLog
      .filter((o) => o.timerId === timerId)
      .sort((a, b) => a.scheduledFor - b.scheduledFor || a.at - b.at || (a.outcome < b.outcome ? -1 : a.outcome > b.outcome ? 1 : 0));
    return (options.latest === undefined ? log : log.slice(-options.latest)).map(copy);
  }

  async arrivals(key: string): Promise<ArrivalRecord[]> {
    return [...this.arrivalsById.values()].filter((a) => a.key === key).sort((a, b) => a.arrivedAt - b.arrivedAt).map(copy);
  }

  async close(): Promise<void> {}
}

/** The outcome a finished timer is remembered by: the last run's, so a late arrival can tell a timed-out wait. */
export function finalOutcome(outcomes: CompleteInput['outcomes']): TimerOutcomeKind {
  const runs = outcomes.filter((o) => o.outcome !== 'skipped');
  return runs[runs.length - 1]?.outcome ?? 'fired';
}
