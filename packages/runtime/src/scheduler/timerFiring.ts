// Firing one claimed timer: tells the observer, runs a one-off, wait or condition handler with retries, or hands a cron run to cronFiring.
import { nextRetryAt, type Logger, type RetryPolicy } from '@lucent/core';
import type { CronFirer } from './cronFiring.js';
import type { RunCompletion } from './runCompletion.js';
import type { TimerHandlers } from './timerHandlers.js';
import type { ClaimedTimer, OutcomeInput } from './timerStore.js';

/** Told of each firing as it starts (metrics): the handler, the kind of timer and how late it is, ms. */
export type FiringObserver = (firing: { readonly handler: string; readonly kind: string; readonly lagMs: number }) => void;

export interface TimerFirerOptions {
  readonly handlers: TimerHandlers;
  readonly completion: RunCompletion;
  readonly cron: CronFirer;
  readonly clock: () => number;
  /** Randomness for retry jitter, in [0, 1). */
  readonly random: () => number;
  /** Retries of a failed one-off or wait handler. */
  readonly retryPolicy: RetryPolicy;
  readonly log: Logger;
}

export class TimerFirer {
  /** Told of each firing as it starts; undefined for none. */
  observer: FiringObserver | undefined;

  constructor(private readonly options: TimerFirerOptions) {}

  /** Run a claim's handler and finish it; never rejects (store trouble is logged, and the lease lets it fire again). */
  async fire(claim: ClaimedTimer): Promise<void> {
    if (this.observer !== undefined) {
      const handler = claim.reason === 'timeout' ? claim.timeoutHandler : claim.handler;
      this.observer({ handler: handler ?? claim.handler, kind: claim.kind, lagMs: Math.max(0, this.options.clock() - claim.dueAt) });
    }
    try {
      if (claim.kind === 'cron') await this.options.cron.fire(claim);
      else if (claim.retryOf !== undefined) await this.options.cron.retry(claim, claim.retryOf);
      else await this.fireOnce(claim);
    } catch (error) {
      // Store trouble while finishing: the lease runs out and another node (or this one) fires it again.
      this.options.log.error('scheduler could not finish a timer', { timerId: claim.id, error: String(error) });
    }
  }

  /** A one-off timer, or a wait or condition that matched or timed out: one handler, retried by the scheduler's policy. */
  private async fireOnce(claim: ClaimedTimer): Promise<void> {
    const { handlers, completion, clock, random, log } = this.options;
    const handlerName = claim.reason === 'timeout' ? claim.timeoutHandler : claim.handler;
    const outcome: OutcomeInput['outcome'] = claim.reason === 'matched' ? 'matched' : claim.reason === 'timeout' ? 'timeout' : 'fired';
    const scheduledFor = claim.reason === 'matched' ? (claim.match?.arrivedAt ?? claim.dueAt) : (claim.deadline ?? claim.dueAt);
    const error = await handlers.invoke(handlerName, claim, scheduledFor);
    const now = clock();
    if (error === undefined) {
      await completion.finish(claim, { outcomes: [{ outcome, scheduledFor }] });
      return;
    }
    const retryAt = nextRetryAt(this.options.retryPolicy, claim.attempts + 1, now, random());
    if (retryAt !== undefined) {
      log.warn('timer handler failed; retrying', { timerId: claim.id, attempt: claim.attempts + 1, error });
      await completion.retryLater(claim, retryAt, error, now);
      return;
    }
    log.error('timer handler failed for the last time', { timerId: claim.id, attempts: claim.attempts + 1, error });
    await completion.finish(claim, { outcomes: [{ outcome: 'failed', scheduledFor, detail: { error, reason: claim.reason } }] });
  }
}
