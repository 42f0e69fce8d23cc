// The saga runner's only contact with the Scheduler: wake-up timers, external waits and outside deliveries, all durable there.
import type { ArmedWait, JsonValue } from '@lucent/core';
import type { z } from 'zod';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { DeliveryResult } from '../scheduler/timerStore.js';
import { parseTimerPayload, WaitPayloadSchema, WakePayloadSchema } from './sagaRecordSchemas.js';

/** An arrival the scheduler matched to one registration of a saga's wait. */
export interface WaitArrival {
  readonly sagaId: string;
  readonly key: string;
  readonly registeredAt: number;
  readonly attempt: number;
  readonly payload: unknown;
  readonly arrivedAt: number;
}

/** What the runner is told back; each callback must resolve only after the saga recorded it. */
export interface SagaSchedulingHandlers {
  wake(sagaId: string): Promise<void>;
  waitMatched(match: WaitArrival): Promise<void>;
  waitTimedOut(sagaId: string, key: string, registeredAt: number): Promise<void>;
}

/** Handler names the runner registers on the scheduler (one set per runner name). */
const handlerNames = (runner: string) => ({
  wake: `lucent.saga.${runner}.wake`,
  matched: `lucent.saga.${runner}.waitMatched`,
  timedOut: `lucent.saga.${runner}.waitTimedOut`,
});

type WaitPayload = z.output<typeof WaitPayloadSchema>;

const owner = (sagaId: string): string => `saga:${sagaId}`;

/**
 * Arms everything a saga waits for in the Scheduler's durable timer store, so a wake-up or a
 * confirmation survives a crash of this process and fires on exactly one node.
 */
export class SagaScheduling {
  private readonly names: ReturnType<typeof handlerNames>;

  constructor(
    readonly scheduler: Scheduler,
    runnerName: string,
  ) {
    this.names = handlerNames(runnerName);
  }

  /** Register the handlers (before the scheduler starts). */
  connect(handlers: SagaSchedulingHandlers): void {
    // Payloads come back from the scheduler's durable store: checked before a saga is touched.
    const { wake, matched, timedOut } = this.names;
    this.scheduler.handle(wake, (f) => handlers.wake(parseTimerPayload(WakePayloadSchema, f.payload, wake).sagaId));
    this.scheduler.handle(matched, (f) =>
      handlers.waitMatched({ ...parseTimerPayload(WaitPayloadSchema, f.payload, matched), payload: f.match?.payload ?? null, arrivedAt: f.match?.arrivedAt ?? f.now }),
    );
    this.scheduler.handle(timedOut, (f) => {
      const p = parseTimerPayload(WaitPayloadSchema, f.payload, timedOut);
      return handlers.waitTimedOut(p.sagaId, p.key, p.registeredAt);
    });
  }

  /** Wake the saga at `at`. The id makes re-arming the same time (after a restart) a no-op. */
  async wakeAt(sagaId: string, at: number): Promise<void> {
    await this.scheduler.schedule({
      id: this.wakeId(sagaId, at),
      handler: this.names.wake,
      dueAt: at,
      payload: { sagaId },
      owner: owner(sagaId),
    });
  }

  /**
   * Register a wait until its deadline. `attempt` distinguishes a re-registration after an
   * arrival that did not satisfy the wait's conditions (the scheduler then looks for the next one).
   */
  async waitFor(sagaId: string, wait: ArmedWait, sagaStartedAt: number, now: number, attempt = 0): Promise<void> {
    const payload: WaitPayload & Record<string, JsonValue> = { sagaId, key: wait.key, registeredAt: wait.registeredAt, attempt };
    await this.scheduler.waitFor({
      id: this.waitId(sagaId, wait, attempt),
      key: wait.key,
      timeoutMs: Math.max(1, wait.dueAt - now),
      onMatch: this.names.matched,
      onTimeout: this.names.timedOut,
      payload,
      owner: owner(sagaId),
      // Arrivals since the saga started count: an early confirmation is never missed.
      lookbackMs: Math.max(0, now - sagaStartedAt),
    });
  }

  /**
   * Make sure a recorded wait is armed (after a restart): walk its registrations and add one
   * when the last is settled without the saga having recorded an outcome.
   */
  async ensureWait(sagaId: string, wait: ArmedWait, sagaStartedAt: number, now: number): Promise<void> {
    for (let attempt = 0; attempt < 1_000; attempt++) {
      const existing = await this.scheduler.get(this.waitId(sagaId, wait, attempt));
      if (existing === undefined) return this.waitFor(sagaId, wait, sagaStartedAt, now, attempt);
      if (existing.state === 'pending') return;
    }
  }

  private wakeId(sagaId: string, at: number): string {
    return `saga:${sagaId}:wake:${at}`;
  }

  private waitId(sagaId: string, wait: ArmedWait, attempt: number): string {
    return `saga:${sagaId}:wait:${wait.key}:${wait.registeredAt}:${attempt}`;
  }

  /** Cancel the pending registration of a wait the saga no longer needs (it finished without it). */
  async cancelWait(sagaId: string, wait: ArmedWait): Promise<void> {
    for (let attempt = 0; attempt < 1_000; attempt++) {
      const id = this.waitId(sagaId, wait, attempt);
      const existing = await this.scheduler.get(id);
      if (existing === undefined) return;
      if (existing.state === 'pending') await this.scheduler.cancel(id);
    }
  }

  /**
   * Cancel a wake-up that is no longer needed. Timers are cancelled one by one, never by
   * owner: the wait whose firing finished the saga must stay as the scheduler records it
   * (timed out), so that a confirmation arriving afterwards is recorded as late.
   */
  async cancelWake(sagaId: string, at: number): Promise<void> {
    await this.scheduler.cancel(this.wakeId(sagaId, at));
  }

  /** Hand in an outside event (a confirmation, a callback) by key; redeliveries with one arrivalId count once. */
  deliver(key: string, payload: unknown, arrivalId?: string): Promise<DeliveryResult> {
    return this.scheduler.deliverExternal(key, payload, arrivalId !== undefined ? { arrivalId } : {});
  }
}
