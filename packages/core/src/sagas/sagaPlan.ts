// What a saga needs from the shell next, given the clock: run a step, time one out, fire a timer, compensate, or sleep until.
import type { SagaCommand } from './sagaDefinition.js';
import { isFinished, type SagaInstance } from './sagaInstance.js';
import { nextCompensation } from './compensationOrder.js';

export type SagaWork<C extends SagaCommand = SagaCommand> =
  | { readonly kind: 'execute'; readonly step: number; readonly command: C; readonly attempt: number; readonly deadline: number; readonly idempotencyKey: string }
  | { readonly kind: 'stepDeadline'; readonly step: number; readonly command: C; readonly attempts: number }
  | { readonly kind: 'timer'; readonly name: string; readonly dueAt: number }
  | { readonly kind: 'compensate'; readonly index: number; readonly command: C; readonly attempt: number; readonly idempotencyKey: string }
  /** Nothing to do now; wake at `wakeAt` (undefined: only an outside event can move it). */
  | { readonly kind: 'sleep'; readonly wakeAt: number | undefined }
  | { readonly kind: 'finished' };

/** Idempotency key of step `step` of saga `sagaId`: the same on every retry and after every restart. */
export const stepKey = (sagaId: string, step: number): string => `saga:${sagaId}:step:${step}`;
/** Idempotency key of the compensation recorded at `index`. */
export const compensationKey = (sagaId: string, index: number): string => `saga:${sagaId}:undo:${index}`;

function earliest(times: readonly (number | undefined)[]): number | undefined {
  let min: number | undefined;
  for (const t of times) if (t !== undefined && (min === undefined || t < min)) min = t;
  return min;
}

/**
 * The one next piece of work at `now`, oldest obligation first. The runner does it, records
 * the outcome, and asks again, so every decision is a pure function of the stream and the clock.
 */
export function planSaga<C extends SagaCommand>(instance: SagaInstance<unknown, C>, now: number): SagaWork<C> {
  if (isFinished(instance.status)) return { kind: 'finished' };
  if (instance.status === 'compensating') {
    const next = nextCompensation(instance);
    if (next === undefined) return { kind: 'finished' };
    const at = instance.compensationRetryAt;
    if (at !== undefined && at > now) return { kind: 'sleep', wakeAt: at };
    return {
      kind: 'compensate',
      index: next.index,
      command: next.command,
      attempt: instance.compensationAttempts + 1,
      idempotencyKey: compensationKey(instance.id, next.index),
    };
  }
  for (const s of instance.steps) {
    if (s.deadline <= now) return { kind: 'stepDeadline', step: s.step, command: s.command, attempts: s.attempts };
  }
  for (const s of instance.steps) {
    if (s.retryAt === undefined || s.retryAt <= now) {
      return { kind: 'execute', step: s.step, command: s.command, attempt: s.attempts + 1, deadline: s.deadline, idempotencyKey: stepKey(instance.id, s.step) };
    }
  }
  const timer = [...instance.timers].sort((a, b) => a.dueAt - b.dueAt)[0];
  if (timer !== undefined && timer.dueAt <= now) return { kind: 'timer', name: timer.name, dueAt: timer.dueAt };
  // Waits are settled by the scheduler's external wait (a match or its timeout), never here, so
  // the two can never disagree about whether a confirmation came in time.
  return {
    kind: 'sleep',
    wakeAt: earliest([...instance.steps.map((s) => s.retryAt), timer?.dueAt, ...instance.steps.map((s) => s.deadline)]),
  };
}
