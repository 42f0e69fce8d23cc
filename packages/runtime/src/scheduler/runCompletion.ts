// How a claimed run ends: finished or re-armed through the batched completions, given back for a retry, or reported lost.
import type { Logger } from '@lucent/core';
import type { CompletionBatcher } from './completionBatcher.js';
import type { ClaimedTimer, CompleteInput, TimerStore } from './timerStore.js';

export interface RunCompletionOptions {
  readonly store: TimerStore;
  readonly completions: CompletionBatcher;
  /** Tells the claim loop that a timer may now be due before its planned wake-up. */
  readonly wake: () => void;
  readonly leaseMs: number;
  readonly log: Logger;
}

export class RunCompletion {
  constructor(private readonly options: RunCompletionOptions) {}

  /** Finish or re-arm a claimed run through the batched completions; logs when the claim was lost meanwhile. */
  async finish(claim: ClaimedTimer, input: CompleteInput): Promise<void> {
    if (!(await this.options.completions.complete({ claim, input }))) this.lost(claim);
    // A re-armed timer, or a retry armed with it, may be due before the loop's planned wake-up.
    else if (input.rearmAt !== undefined || (input.arm?.length ?? 0) > 0) this.options.wake();
  }

  /** Give a failed run back to be tried again at `retryAt`; the loop may have planned to sleep past it. */
  async retryLater(claim: ClaimedTimer, retryAt: number, error: string, now: number): Promise<void> {
    if (!(await this.options.store.retry(claim, retryAt, error, now))) this.lost(claim);
    else this.options.wake();
  }

  /** A claim whose lease ran out before its run finished. */
  lost(claim: ClaimedTimer): void {
    this.options.log.warn('timer claim expired before the run finished; another node may run it again', { timerId: claim.id, leaseMs: this.options.leaseMs });
  }
}
