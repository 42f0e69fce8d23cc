// One step of a saga: success and give-up go to the reducer, a transient failure is recorded with its retry time.
import { describe, expect, it } from 'vitest';
import { defineSaga, evolveSaga, type SagaInstance, type SerializedError } from '@lucent/core';
import type { CommandOutcome } from './sagaCommandRun.js';
import type { SagaCommandMessage } from './sagaCommandMessage.js';
import { executeStep, stepDeadlinePassed, type SagaWorkContext } from './sagaStepExecution.js';

const saga = defineSaga<unknown, null, { type: 'Charge' } | { type: 'Ship' }>({
  type: 'order',
  initialState: () => null,
  stepPolicies: { Charge: { retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 1_000 } } },
  react: (state) => ({ state }),
});
const instance: SagaInstance = evolveSaga(undefined, { type: 'SagaStarted', data: { sagaType: 'order', input: null, at: 0 } }, 'o1');
const work = (attempt: number) =>
  ({ kind: 'execute', step: 1, command: { type: 'Charge' }, attempt, deadline: 60_000, idempotencyKey: 'saga:o1:step:1' }) as const;

function context(outcome: CommandOutcome): SagaWorkContext & { sent: SagaCommandMessage[] } {
  const sent: SagaCommandMessage[] = [];
  return { sent, clock: () => 5_000, random: () => 0.5, runCommand: async (m) => (sent.push(m), outcome) };
}
const failed = (code: SerializedError['code']): CommandOutcome => ({ ok: false, error: { code, message: 'no' } });

describe('executeStep', () => {
  it('runs the command under the step key and deadline, and hands success to the reducer', async () => {
    const ctx = context({ ok: true, result: { charged: 3 } });
    expect(await executeStep(ctx, saga, instance, work(1))).toEqual({
      react: { type: 'StepSucceeded', data: { step: 1, command: { type: 'Charge' }, result: { charged: 3 } }, at: 5_000 },
    });
    expect(ctx.sent).toEqual([
      { command: { type: 'Charge' }, sagaId: 'o1', sagaType: 'order', kind: 'step', step: 1, idempotencyKey: 'saga:o1:step:1', attempt: 1, deadline: 60_000 },
    ]);
  });

  it("records a transient failure with a retry time from the step's own policy", async () => {
    const result = await executeStep(context(failed('UNAVAILABLE')), saga, instance, work(1));
    expect(result).toEqual({
      record: {
        type: 'SagaStepAttemptFailed',
        data: { step: 1, attempt: 1, error: { code: 'UNAVAILABLE', message: 'no' }, retryAt: 5_500, at: 5_000 },
      },
    });
  });

  it('gives up to the reducer on a refusal, and after the last attempt', async () => {
    expect(await executeStep(context(failed('VALIDATION_FAILED')), saga, instance, work(1))).toMatchObject({
      react: { type: 'StepFailed', data: { error: { code: 'VALIDATION_FAILED' }, attempts: 1 } },
    });
    expect(await executeStep(context(failed('UNAVAILABLE')), saga, instance, work(3))).toMatchObject({
      react: { type: 'StepFailed', data: { error: { code: 'UNAVAILABLE', message: 'no (gave up after 3 attempts)' }, attempts: 3 } },
    });
  });

  it('fails a step whose deadline passed with DEADLINE_EXCEEDED', () => {
    expect(stepDeadlinePassed({ kind: 'stepDeadline', step: 2, command: { type: 'Ship' }, attempts: 4 }, 9)).toEqual({
      type: 'StepFailed',
      data: { step: 2, command: { type: 'Ship' }, error: { code: 'DEADLINE_EXCEEDED', message: 'step 2 (Ship) passed its deadline' }, attempts: 4 },
      at: 9,
    });
  });
});
