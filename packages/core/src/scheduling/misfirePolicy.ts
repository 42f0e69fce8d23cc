// Decides which missed occurrences of a recurring timer to fire after downtime: skip, fire once, or catch up.
import type { Occurrences } from './cronOccurrences.js';

/**
 * What a recurring timer does with occurrences it missed while no node was running:
 * - `skip`: fire none of the missed ones, resume at the next future occurrence;
 * - `fireOnce`: fire one run standing for all the missed ones, then resume;
 * - `catchUp`: fire every missed occurrence (up to `maxCatchUp`), oldest first.
 * An occurrence is "missed" when it is older than `graceMs` at the time a node looks at it;
 * within the grace window it simply fires late, whatever the policy.
 */
export type MisfirePolicy = 'skip' | 'fireOnce' | 'catchUp';

export const misfirePolicies: readonly MisfirePolicy[] = ['skip', 'fireOnce', 'catchUp'];

export interface MisfireInput {
  readonly policy: MisfirePolicy;
  /** The occurrence the stored timer was due at. */
  readonly dueAt: number;
  /** The clock reading now. */
  readonly now: number;
  /** Next occurrence strictly after a time (a cron schedule), undefined when the schedule ends. */
  readonly next: Occurrences;
  /** How late a run may be and still count as on time (default 60,000 ms). */
  readonly graceMs?: number;
  /** Upper bound on runs fired by `catchUp` in one decision (default 100). */
  readonly maxCatchUp?: number;
}

export interface MisfireDecision {
  /** Scheduled times to fire now, oldest first; each is the `scheduledFor` of one run. */
  readonly fire: readonly number[];
  /** Occurrences passed over without running (for the outcome log). */
  readonly skipped: number;
  /** Where the timer is re-armed, undefined when the schedule has no further occurrence. */
  readonly nextDueAt: number | undefined;
}

const defaultGraceMs = 60_000;
const defaultMaxCatchUp = 100;

/** Iterations after which skip/fireOnce jump ahead instead of walking every missed occurrence. */
const walkLimit = 10_000;

/** Pure: the runs to fire for a recurring timer found due at `now`, and its next due time. */
export function decideMisfire(input: MisfireInput): MisfireDecision {
  const { policy, dueAt, now, next } = input;
  const grace = input.graceMs ?? defaultGraceMs;
  if (dueAt > now) return { fire: [], skipped: 0, nextDueAt: dueAt };
  if (policy === 'catchUp') {
    // Fire in bounded batches: the timer is re-armed at the first run not fired yet, which is
    // still due, so the next claim continues the catch-up and nothing is dropped.
    const limit = Math.max(1, input.maxCatchUp ?? defaultMaxCatchUp);
    const fire: number[] = [];
    let at: number | undefined = dueAt;
    while (at !== undefined && at <= now && fire.length < limit) {
      fire.push(at);
      at = next(at);
    }
    return { fire, skipped: 0, nextDueAt: at };
  }
  let latest = dueAt;
  let passed = 1;
  let at = next(dueAt);
  while (at !== undefined && at <= now) {
    latest = at;
    passed++;
    // After a long outage, jump to the grace window: the exact count of skipped runs no longer matters.
    at = passed === walkLimit ? next(Math.max(at, now - grace - 1)) : next(at);
  }
  const nextDueAt = at;
  const onTime = now - latest <= grace;
  if (policy === 'fireOnce' || onTime) return { fire: [latest], skipped: passed - 1, nextDueAt };
  return { fire: [], skipped: passed, nextDueAt };
}
