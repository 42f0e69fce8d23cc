// Matching of outside arrivals (confirmations, callbacks) to external waits, including arrivals that came first.

/** A registered wait for an outside event, as the matcher sees it. */
export interface ExternalWaitView {
  readonly key: string;
  /** When the wait was registered, epoch ms. */
  readonly registeredAt: number;
  /** When it times out, epoch ms. */
  readonly deadline: number;
  /** How far before registration an arrival still counts (ms). */
  readonly lookbackMs: number;
  readonly state: 'waiting' | 'matched' | 'timedOut' | 'cancelled';
}

/** An outside event as stored when it arrived. */
export interface ExternalArrivalView {
  readonly key: string;
  readonly arrivedAt: number;
}

/**
 * What happens to an arrival with respect to one wait on the same key:
 * - `match`: the wait takes it (it arrived during the wait, or before it within the lookback);
 * - `late`: the wait already timed out; the arrival is recorded and never applied;
 * - `ignore`: not for this wait (other key, too old for the lookback, wait already settled otherwise).
 */
export type ArrivalVerdict = 'match' | 'late' | 'ignore';

export function judgeArrival(wait: ExternalWaitView, arrival: ExternalArrivalView): ArrivalVerdict {
  if (wait.key !== arrival.key) return 'ignore';
  if (wait.state === 'timedOut') return arrival.arrivedAt >= wait.registeredAt - wait.lookbackMs ? 'late' : 'ignore';
  if (wait.state !== 'waiting') return 'ignore';
  if (arrival.arrivedAt < wait.registeredAt - wait.lookbackMs) return 'ignore';
  // An arrival at or after the deadline is late even if the timeout has not fired yet: the deadline wins ties.
  if (arrival.arrivedAt >= wait.deadline) return 'late';
  return 'match';
}

/** The earliest arrival a newly registered wait takes, among arrivals nobody has taken yet. */
export function firstMatchingArrival<A extends ExternalArrivalView>(wait: ExternalWaitView, unclaimed: readonly A[]): A | undefined {
  let best: A | undefined;
  for (const a of unclaimed) {
    if (judgeArrival(wait, a) !== 'match') continue;
    if (best === undefined || a.arrivedAt < best.arrivedAt) best = a;
  }
  return best;
}
