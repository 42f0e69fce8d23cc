// Whether an outside arrival satisfies a saga's wait: same key, payload conditions, and in time (via the scheduler's judgeArrival).
import { judgeArrival, type ArrivalVerdict } from '../scheduling/externalMatch.js';
import type { FieldCondition } from './sagaDefinition.js';
import type { ArmedWait } from './sagaRecords.js';

/** An outside event as the saga runner stores it. */
export interface SagaArrival {
  readonly key: string;
  readonly payload: unknown;
  readonly arrivedAt: number;
}

function fieldHolds(value: unknown, c: FieldCondition): boolean {
  if (c.eq !== undefined && value !== c.eq) return false;
  if (c.gte !== undefined && !(typeof value === 'number' && value >= c.gte)) return false;
  if (c.lte !== undefined && !(typeof value === 'number' && value <= c.lte)) return false;
  return true;
}

export function payloadSatisfies(where: ArmedWait['where'], payload: unknown): boolean {
  if (where === undefined) return true;
  if (typeof payload !== 'object' || payload === null) return false;
  return Object.entries(where).every(([field, c]) => fieldHolds((payload as Record<string, unknown>)[field], c));
}

/**
 * `match`, `late` (after the wait's deadline: recorded, never applied) or `ignore`.
 * Arrivals since the saga started count, so a confirmation that came before the wait is not missed.
 */
export function judgeSagaArrival(wait: ArmedWait, sagaStartedAt: number, arrival: SagaArrival): ArrivalVerdict {
  if (!payloadSatisfies(wait.where, arrival.payload)) return 'ignore';
  return judgeArrival(
    { key: wait.key, registeredAt: wait.registeredAt, deadline: wait.dueAt, lookbackMs: wait.registeredAt - sagaStartedAt, state: 'waiting' },
    { key: arrival.key, arrivedAt: arrival.arrivedAt },
  );
}

/** The first arrival (in arrival order) that the wait takes, if any. */
export function firstMatch<A extends SagaArrival>(wait: ArmedWait, sagaStartedAt: number, arrivals: readonly A[]): A | undefined {
  return arrivals.find((a) => judgeSagaArrival(wait, sagaStartedAt, a) === 'match');
}
