// Turns a reducer's reaction into the record the runner stores: numbers steps, resolves deadlines and due times.
import { ValidationError, type FieldIssue } from '../errors/errors.js';
import type { AnySagaDefinition, SagaCommand, SagaReaction, StepPolicy } from './sagaDefinition.js';
import type { SagaInstance } from './sagaInstance.js';
import type { SagaRecord, StoredTrigger } from './sagaRecords.js';

/** Deadline of a step when its policy names none: long enough for retries, short enough to notice a hang. */
export const defaultStepDeadlineMs = 60_000;

export function stepPolicyFor(definition: AnySagaDefinition, command: SagaCommand): StepPolicy {
  const specific = (definition.stepPolicies as Record<string, StepPolicy | undefined> | undefined)?.[command.type];
  return { ...definition.steps, ...specific };
}

function checkReaction(definition: AnySagaDefinition, reaction: SagaReaction<unknown, SagaCommand>): void {
  const issues: FieldIssue[] = [];
  const commands = [...(reaction.commands ?? []), ...(reaction.compensations ?? [])];
  commands.forEach((c, i) => {
    if (typeof c !== 'object' || c === null || typeof c.type !== 'string' || c.type.length === 0) {
      issues.push({ path: `commands.${i}.type`, message: 'a saga command needs a non-empty string type' });
    }
  });
  for (const [i, t] of (reaction.timers ?? []).entries()) {
    if (typeof t.name !== 'string' || t.name.length === 0) issues.push({ path: `timers.${i}.name`, message: 'is required' });
    if (!Number.isFinite(t.afterMs) || t.afterMs < 0) issues.push({ path: `timers.${i}.afterMs`, message: 'must be a finite number >= 0' });
  }
  for (const [i, w] of (reaction.waits ?? []).entries()) {
    if (typeof w.key !== 'string' || w.key.length === 0 || w.key.length > 400) {
      issues.push({ path: `waits.${i}.key`, message: 'must be a non-empty string of at most 400 characters' });
    }
    if (!Number.isFinite(w.timeoutMs) || w.timeoutMs <= 0) issues.push({ path: `waits.${i}.timeoutMs`, message: 'must be a finite number > 0' });
  }
  if (issues.length > 0) throw new ValidationError('output', `saga ${definition.type}`, issues);
}

/**
 * The SagaAdvanced record for `trigger` on `instance` (or on a just-started saga, whose
 * state is the definition's initial state). Steps are numbered from `instance.nextStep`,
 * so the same history always gives the same numbers, hence the same idempotency keys.
 */
export function reactionRecord(
  definition: AnySagaDefinition,
  instance: SagaInstance,
  trigger: StoredTrigger,
): Extract<SagaRecord, { type: 'SagaAdvanced' }> {
  const state = trigger.type === 'SagaStarted' ? definition.initialState(instance.input) : instance.state;
  const reaction = definition.react(state, trigger as never) as SagaReaction<unknown, SagaCommand>;
  checkReaction(definition, reaction);
  const at = trigger.at;
  return {
    type: 'SagaAdvanced',
    data: {
      trigger,
      state: reaction.state,
      issued: (reaction.commands ?? []).map((command, i) => ({
        step: instance.nextStep + i,
        command,
        deadline: at + (stepPolicyFor(definition, command).deadlineMs ?? defaultStepDeadlineMs),
      })),
      timers: (reaction.timers ?? []).map((t) => ({ name: t.name, dueAt: at + t.afterMs })),
      cancelTimers: [...(reaction.cancelTimers ?? [])],
      waits: (reaction.waits ?? []).map((w) => ({
        key: w.key,
        registeredAt: at,
        dueAt: at + w.timeoutMs,
        ...(w.where !== undefined && { where: w.where }),
      })),
      compensations: [...(reaction.compensations ?? [])],
      complete: reaction.complete === true,
      ...(reaction.fail !== undefined && { fail: reaction.fail }),
    },
  };
}
