// One saga step: run its command, and on failure retry it with backoff (recorded) or give it up to the reducer; a passed deadline fails it.
import {
  decideRetry,
  defaultStepRetry,
  stepPolicyFor,
  type AnySagaDefinition,
  type SagaInstance,
  type SagaRecord,
  type SagaWork,
  type StoredTrigger,
} from '@lucent/core';
import type { CommandOutcome } from './sagaCommandRun.js';
import type { SagaCommandMessage } from './sagaCommandMessage.js';
import { runSagaCommand } from './sagaTracing.js';

/** What the saga's work needs from its runner. */
export interface SagaWorkContext {
  readonly clock: () => number;
  /** In [0, 1): jitter of retry backoff. */
  readonly random: () => number;
  readonly runCommand: (message: SagaCommandMessage) => Promise<CommandOutcome>;
}

/** What to write after a step ran: a trigger for the reducer, or a record written as is (a retry is due later). */
export type StepResult = { readonly react: StoredTrigger } | { readonly record: SagaRecord };

type Execute = Extract<SagaWork, { kind: 'execute' }>;
type StepDeadline = Extract<SagaWork, { kind: 'stepDeadline' }>;

/** The trigger the reducer gets when a step in flight passed its deadline with no outcome recorded. */
export function stepDeadlinePassed(work: StepDeadline, now: number): StoredTrigger {
  return {
    type: 'StepFailed',
    data: {
      step: work.step,
      command: work.command,
      error: { code: 'DEADLINE_EXCEEDED', message: `step ${work.step} (${work.command.type}) passed its deadline` },
      attempts: work.attempts,
    },
    at: now,
  };
}

/**
 * Run one attempt of a step under its idempotency key and deadline. Success goes to the reducer
 * (StepSucceeded); a failure the step's retry policy retries is recorded with its retry time
 * (SagaStepAttemptFailed); one it gives up on goes to the reducer (StepFailed).
 */
export function executeStep(ctx: SagaWorkContext, definition: AnySagaDefinition, instance: SagaInstance, work: Execute): Promise<StepResult> {
  // A `then`, not an async function: one promise per step on the saga hot path instead of two.
  return runSagaCommand(ctx.runCommand, stepMessage(instance, work)).then((outcome) => stepResult(ctx, definition, work, outcome));
}

/** The command message of one attempt of a step. */
function stepMessage(instance: SagaInstance, work: Execute): SagaCommandMessage {
  return {
    command: work.command,
    sagaId: instance.id,
    sagaType: instance.type,
    kind: 'step',
    step: work.step,
    idempotencyKey: work.idempotencyKey,
    attempt: work.attempt,
    deadline: work.deadline,
  };
}

/** What an attempt's outcome leads to. */
function stepResult(ctx: SagaWorkContext, definition: AnySagaDefinition, work: Execute, outcome: CommandOutcome): StepResult {
  const now = ctx.clock();
  if (outcome.ok) {
    return { react: { type: 'StepSucceeded', data: { step: work.step, command: work.command, result: outcome.result }, at: now } };
  }
  const policy = stepPolicyFor(definition, work.command).retry ?? defaultStepRetry;
  const decision = decideRetry(policy, work.attempt, outcome.error, now, ctx.random(), work.deadline);
  if ('retryAt' in decision) {
    return {
      record: {
        type: 'SagaStepAttemptFailed',
        data: { step: work.step, attempt: work.attempt, error: outcome.error, retryAt: decision.retryAt, at: now },
      },
    };
  }
  return { react: { type: 'StepFailed', data: { step: work.step, command: work.command, error: decision.giveUp, attempts: work.attempt }, at: now } };
}
