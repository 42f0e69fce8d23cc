// One compensation: done, retried later with backoff, or given up to an operator.
import { describe, expect, it } from 'vitest';
import { defineSaga, evolveSaga, silentLogger, type Logger, type SagaInstance } from '@lucent/core';
import type { CommandOutcome } from './sagaCommandRun.js';
import type { SagaCommandMessage } from './sagaCommandMessage.js';
import { compensate } from './sagaCompensation.js';
import type { SagaWorkContext } from './sagaStepExecution.js';

const saga = defineSaga<unknown, null, { type: 'Refund' }>({
  type: 'order',
  initialState: () => null,
  compensation: { deadlineMs: 2_000, retry: { maxAttempts: 2, baseDelayMs: 1_000, maxDelayMs: 1_000 } },
  react: (state) => ({ state }),
});
const instance: SagaInstance = evolveSaga(undefined, { type: 'SagaStarted', data: { sagaType: 'order', input: null, at: 0 } }, 'o1');
const work = (attempt: number) => ({ kind: 'compensate', index: 0, command: { type: 'Refund' }, attempt, idempotencyKey: 'saga:o1:undo:0' }) as const;

function setup(outcome: CommandOutcome) {
  const sent: SagaCommandMessage[] = [];
  const errors: string[] = [];
  const ctx: SagaWorkContext = { clock: () => 7_000, random: () => 0.5, runCommand: async (m) => (sent.push(m), outcome) };
  const log: Logger = { ...silentLogger, error: (msg) => void errors.push(msg) };
  return { ctx, log, sent, errors };
}
const unavailable: CommandOutcome = { ok: false, error: { code: 'UNAVAILABLE', message: 'down' } };

describe('compensate', () => {
  it('runs the undo under its key with the compensation deadline and records it done', async () => {
    const { ctx, log, sent } = setup({ ok: true, result: null });
    expect(await compensate(ctx, log, saga, instance, work(1))).toEqual({ type: 'SagaCompensated', data: { index: 0, at: 7_000 } });
    expect(sent[0]).toMatchObject({ kind: 'compensation', step: 0, idempotencyKey: 'saga:o1:undo:0', attempt: 1, deadline: 9_000 });
  });

  it('records a failed attempt with its retry time while the policy allows another', async () => {
    const { ctx, log } = setup(unavailable);
    expect(await compensate(ctx, log, saga, instance, work(1))).toEqual({
      type: 'SagaCompensationAttemptFailed',
      data: { index: 0, attempt: 1, error: { code: 'UNAVAILABLE', message: 'down' }, retryAt: 7_500, at: 7_000 },
    });
  });

  it('gives up after the last attempt and says so in the error log', async () => {
    const { ctx, log, errors } = setup(unavailable);
    expect(await compensate(ctx, log, saga, instance, work(2))).toMatchObject({ type: 'SagaCompensationGaveUp', data: { index: 0, at: 7_000 } });
    expect(errors).toEqual(['saga compensation gave up; the saga needs an operator']);
  });
});
