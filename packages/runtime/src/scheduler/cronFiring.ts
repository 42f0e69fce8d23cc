// Firing a cron timer: its due occurrences under the misfire policy, re-armed at the next one, and a failed run retried on a timer of its own.
import { decideMisfire, defaultCronRetryPolicy, nextRetryAt, type Logger, type RetryPolicy } from '@lucent/core';
import { cronOccurrences } from './cronSchedule.js';
import type { RunCompletion } from './runCompletion.js';
import type { TimerHandlers } from './timerHandlers.js';
import type { ClaimedTimer, NewTimer, OutcomeInput, RetryOf, TimerStore } from './timerStore.js';

export interface CronFirerOptions {
  readonly store: TimerStore;
  readonly handlers: TimerHandlers;
  readonly completion: RunCompletion;
  readonly clock: () => number;
  /** Randomness for retry jitter, in [0, 1). */
  readonly random: () => number;
  /** Misfire grace: a run later than this after its occurrence counts as missed. */
  readonly graceMs: number;
  readonly log: Logger;
}

export class CronFirer {
  constructor(private readonly options: CronFirerOptions) {}

  /** Run the job's occurrences due now (by its misfire policy), arm a retry for each that failed, and re-arm the job. */
  async fire(claim: ClaimedTimer): Promise<void> {
    const { handlers, completion, clock, random, log } = this.options;
    const next = cronOccurrences(claim.cron ?? '', claim.timezone);
    const decision = decideMisfire({ policy: claim.misfire ?? 'skip', dueAt: claim.dueAt, now: clock(), next, graceMs: this.options.graceMs });
    const policy = claim.retryPolicy ?? defaultCronRetryPolicy;
    const outcomes: OutcomeInput[] = [];
    const retries: NewTimer[] = [];
    for (const scheduledFor of decision.fire) {
      const error = await handlers.invoke(claim.handler, claim, scheduledFor);
      if (error === undefined) {
        outcomes.push({ outcome: 'fired', scheduledFor });
        continue;
      }
      const retryAt = nextRetryAt(policy, 1, clock(), random());
      if (retryAt === undefined) {
        outcomes.push({ outcome: 'failed', scheduledFor, detail: { error, attempts: 1 } });
        log.error('cron run failed and its job allows no retry; the job continues at its next occurrence', { timerId: claim.id, scheduledFor, error });
        continue;
      }
      // The retry is a timer of its own, armed with this completion: the job still re-arms at its
      // next occurrence, and a run whose claim was lost (another node runs it again) arms none.
      outcomes.push({ outcome: 'retrying', scheduledFor, detail: { error, attempts: 1, retryAt } });
      retries.push(cronRetryTimer(claim, scheduledFor, retryAt, policy));
      log.warn('cron run failed; retrying', { timerId: claim.id, scheduledFor, attempt: 1, retryAt, error });
    }
    if (decision.skipped > 0) {
      outcomes.push({ outcome: 'skipped', scheduledFor: claim.dueAt, detail: { count: decision.skipped, policy: claim.misfire ?? 'skip' } });
    }
    await completion.finish(claim, {
      outcomes,
      ...(decision.nextDueAt !== undefined ? { rearmAt: decision.nextDueAt } : {}),
      ...(retries.length > 0 ? { arm: retries } : {}),
    });
  }

  /**
   * Try a failed cron run again, through its retry timer: same handler, payload, occurrence and
   * firing key as the run. Its further failures back off on the same timer (`store.retry`); after
   * the last try the run is logged `failed` under the job.
   */
  async retry(claim: ClaimedTimer, of: RetryOf): Promise<void> {
    const { store, handlers, completion, clock, random, log } = this.options;
    const { timerId, scheduledFor } = of;
    const job = await store.get(timerId);
    if (job === undefined || job.state === 'cancelled') {
      // Cancelling a job stops its runs, including the retries of those that failed.
      await completion.finish(claim, { outcomes: [{ outcome: 'cancelled', scheduledFor, detail: { reason: 'the job was cancelled before this retry' } }] });
      return;
    }
    // The run itself was try 1, and each failed retry counted one attempt on this timer.
    const tries = claim.attempts + 2;
    const error = await handlers.invoke(claim.handler, claim, scheduledFor, { firingKey: `${timerId}@${scheduledFor}`, attempt: tries - 1 });
    if (error === undefined) {
      await completion.finish(claim, { outcomes: [{ outcome: 'fired', scheduledFor, detail: { attempts: tries } }] });
      return;
    }
    const now = clock();
    const retryAt = nextRetryAt(claim.retryPolicy ?? defaultCronRetryPolicy, tries, now, random());
    if (retryAt !== undefined) {
      log.warn('cron run failed again; retrying', { timerId, scheduledFor, attempt: tries, retryAt, error });
      await completion.retryLater(claim, retryAt, error, now);
      return;
    }
    log.error('cron run failed for the last time', { timerId, scheduledFor, attempts: tries, error });
    await completion.finish(claim, { outcomes: [{ outcome: 'failed', scheduledFor, detail: { error, attempts: tries } }] });
  }
}

/** The retry timer of a failed cron run: its id makes one per (job, occurrence) across nodes. */
export function cronRetryTimer(job: ClaimedTimer, scheduledFor: number, dueAt: number, policy: RetryPolicy): NewTimer {
  return {
    id: `retry:${job.id}@${scheduledFor}`,
    kind: 'once',
    handler: job.handler,
    dueAt,
    payload: job.payload,
    // `cancelOwner('cron:<job id>')` drops a job's pending retries.
    owner: `cron:${job.id}`,
    retryPolicy: policy,
    retryOf: { timerId: job.id, scheduledFor },
  };
}
