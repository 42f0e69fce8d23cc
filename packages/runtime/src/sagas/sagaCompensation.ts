// One compensation of a failed saga: run the recorded undo command, retry it with backoff, and give up to an operator when the policy says so.
import {
  decideRetry,
  defaultCompensationRetry,
  defaultStepDeadlineMs,
  type AnySagaDefinition,
  type Logger,
  type SagaInstance,
  type SagaRecord,
  type SagaWork,
} from '@lucent/core';
import type { SagaWorkContext } from './sagaStepExecution.js';
import { runSagaCommand } from './sagaTracing.js';

type Compensate = Extract<SagaWork, { kind: 'compensate' }>;

/**
 * Run one attempt of compensation `work.index` under its idempotency key, with the definition's
 * compensation deadline from now. Returns the record to write: SagaCompensated, or
 * SagaCompensationAttemptFailed with the retry time, or SagaCompensationGaveUp (logged as an error:
 * the saga then needs an operator).
 */
export async function compensate(
  ctx: SagaWorkContext,
  log: Logger,
  definition: AnySagaDefinition,
  instance: SagaInstance,
  work: Compensate,
): Promise<SagaRecord> {
  const deadlineMs = definition.compensation?.deadlineMs ?? defaultStepDeadlineMs;
  const outcome = await runSagaCommand(ctx.runCommand, {
    command: work.command,
    sagaId: instance.id,
    sagaType: instance.type,
    kind: 'compensation',
    step: work.index,
    idempotencyKey: work.idempotencyKey,
    attempt: work.attempt,
    deadline: ctx.clock() + deadlineMs,
  });
  const now = ctx.clock();
  if (outcome.ok) return { type: 'SagaCompensated', data: { index: work.index, at: now } };
  const policy = definition.compensation?.retry ?? defaultCompensationRetry;
  const decision = decideRetry(policy, work.attempt, outcome.error, now, ctx.random());
  if ('retryAt' in decision) {
    return {
      type: 'SagaCompensationAttemptFailed',
      data: { index: work.index, attempt: work.attempt, error: outcome.error, retryAt: decision.retryAt, at: now },
    };
  }
  log.error('saga compensation gave up; the saga needs an operator', { sagaId: instance.id, index: work.index });
  return { type: 'SagaCompensationGaveUp', data: { index: work.index, error: decision.giveUp, at: now } };
}
