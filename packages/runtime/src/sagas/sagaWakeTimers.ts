// The one wake-up armed per saga: armed in the Scheduler only when the plan's wake time changes, cancelled when the saga finishes.
import type { SagaScheduling } from './sagaScheduling.js';

/**
 * Remembers the wake-up armed for each saga this process works on, so a plan that still
 * sleeps until the same time does not write the same timer again.
 */
export class SagaWakeTimers {
  private readonly armed = new Map<string, number>();

  constructor(
    private readonly scheduling: Pick<SagaScheduling, 'wakeAt' | 'cancelWake'>,
    private readonly clock: () => number,
  ) {}

  /** Make sure the saga is woken at `at`; nothing is written when that wake-up is already armed. */
  async arm(sagaId: string, at: number): Promise<void> {
    if (this.armed.get(sagaId) === at) return;
    await this.scheduling.wakeAt(sagaId, at);
    this.armed.set(sagaId, at);
  }

  /** A wake-up fired: forget the armed one if it is due, so the next plan arms afresh. */
  fired(sagaId: string): void {
    if ((this.armed.get(sagaId) ?? Infinity) <= this.clock()) this.armed.delete(sagaId);
  }

  /** The saga finished: cancel the wake-up it no longer needs. */
  async disarm(sagaId: string): Promise<void> {
    const wake = this.armed.get(sagaId);
    this.armed.delete(sagaId);
    if (wake !== undefined) await this.scheduling.cancelWake(sagaId, wake);
  }

  /** The wake-up armed for a saga, if any. */
  armedAt(sagaId: string): number | undefined {
    return this.armed.get(sagaId);
  }
}
