// A saga instance as a left fold over its stream's records: status, reducer state, steps in flight, timers, waits, undo stack.
import type { SerializedError } from '../errors/errors.js';
import type { SagaCommand } from './sagaDefinition.js';
import type { ArmedTimer, ArmedWait, IssuedStep, SagaRecord } from './sagaRecords.js';

/**
 * - `running`: steps, timers or waits outstanding;
 * - `compensating`: it failed and recorded compensations are being run, newest first;
 * - `completed` / `compensated`: finished (goal reached / fully undone);
 * - `failed`: terminal failure: a compensation gave up and an operator must look.
 */
export type SagaStatus = 'running' | 'compensating' | 'completed' | 'compensated' | 'failed';

export const finishedStatuses: readonly SagaStatus[] = ['completed', 'compensated', 'failed'];

export function isFinished(status: SagaStatus): boolean {
  return finishedStatuses.includes(status);
}

export interface PendingStep<C extends SagaCommand = SagaCommand> extends IssuedStep<C> {
  /** Tries made so far. */
  readonly attempts: number;
  /** When the next try may start (absent: now). */
  readonly retryAt?: number;
  readonly lastError?: SerializedError;
}

export interface SagaInstance<S = unknown, C extends SagaCommand = SagaCommand> {
  readonly id: string;
  readonly type: string;
  readonly input: unknown;
  readonly status: SagaStatus;
  readonly state: S;
  /** Stream version the instance reflects (for optimistic appends). */
  readonly version: number;
  readonly startedAt: number;
  readonly updatedAt: number;
  /** Number the next issued step gets. */
  readonly nextStep: number;
  readonly steps: readonly PendingStep<C>[];
  readonly timers: readonly ArmedTimer[];
  readonly waits: readonly ArmedWait[];
  /** Undo actions in the order they were recorded; run from the end. */
  readonly compensations: readonly C[];
  /** How many compensations (counted from the end) have succeeded. */
  readonly compensated: number;
  readonly compensationAttempts: number;
  readonly compensationRetryAt?: number;
  readonly failure?: string;
}

/** The instance right after SagaStarted, before the first reaction is applied. */
function started(id: string, record: Extract<SagaRecord, { type: 'SagaStarted' }>): SagaInstance {
  return {
    id,
    type: record.data.sagaType,
    input: record.data.input,
    status: 'running',
    state: undefined,
    version: 1,
    startedAt: record.data.at,
    updatedAt: record.data.at,
    nextStep: 1,
    steps: [],
    timers: [],
    waits: [],
    compensations: [],
    compensated: 0,
    compensationAttempts: 0,
  };
}

/** What a reaction's trigger settles: the step it reports on, the timer that fired, the wait that ended. */
export function settledBy(trigger: { type: string; data: unknown }) {
  const d = trigger.data as { step?: number; name?: string; key?: string } | null;
  return {
    step: trigger.type === 'StepSucceeded' || trigger.type === 'StepFailed' ? d?.step : undefined,
    timer: trigger.type === 'TimerFired' ? d?.name : undefined,
    wait: trigger.type === 'WaitMatched' || trigger.type === 'WaitTimedOut' ? d?.key : undefined,
  };
}

/** Apply one record. Pure; the same records always fold to the same instance. */
export function evolveSaga(instance: SagaInstance | undefined, record: SagaRecord, id = instance?.id ?? ''): SagaInstance {
  if (record.type === 'SagaStarted') return started(id, record);
  if (instance === undefined) throw new Error(`saga ${id}: ${record.type} before SagaStarted`);
  const version = instance.version + 1;
  switch (record.type) {
    case 'SagaAdvanced': {
      const r = record.data;
      const settled = settledBy(r.trigger);
      const cancelled = new Set([...r.cancelTimers, ...r.timers.map((t) => t.name)]);
      if (settled.timer !== undefined) cancelled.add(settled.timer);
      const waitKeys = new Set(r.waits.map((w) => w.key));
      if (settled.wait !== undefined) waitKeys.add(settled.wait);
      const finishing = r.complete || r.fail !== undefined;
      const compensations = [...instance.compensations, ...r.compensations];
      const status = r.complete ? 'completed' : r.fail !== undefined ? (compensations.length === 0 ? 'compensated' : 'compensating') : 'running';
      return {
        ...instance,
        version,
        updatedAt: r.trigger.at,
        state: r.state,
        status,
        nextStep: instance.nextStep + r.issued.length,
        // A finished or failing saga starts nothing new: whatever was outstanding is dropped.
        steps: finishing ? [] : [...instance.steps.filter((s) => s.step !== settled.step), ...r.issued.map((s) => ({ ...s, attempts: 0 }))],
        timers: finishing ? [] : [...instance.timers.filter((t) => !cancelled.has(t.name)), ...r.timers],
        waits: finishing ? [] : [...instance.waits.filter((w) => !waitKeys.has(w.key)), ...r.waits],
        compensations,
        ...(r.fail !== undefined && { failure: r.fail }),
      };
    }
    case 'SagaStepAttemptFailed': {
      const r = record.data;
      return {
        ...instance,
        version,
        updatedAt: r.at,
        steps: instance.steps.map((s) =>
          s.step === r.step ? { ...s, attempts: r.attempt, retryAt: r.retryAt, lastError: r.error } : s,
        ),
      };
    }
    case 'SagaCompensated': {
      const compensated = instance.compensated + 1;
      const done = compensated >= instance.compensations.length;
      const { compensationRetryAt: _drop, ...rest } = instance;
      return { ...rest, version, updatedAt: record.data.at, compensated, compensationAttempts: 0, status: done ? 'compensated' : 'compensating' };
    }
    case 'SagaCompensationAttemptFailed':
      return {
        ...instance,
        version,
        updatedAt: record.data.at,
        compensationAttempts: record.data.attempt,
        compensationRetryAt: record.data.retryAt,
      };
    case 'SagaCompensationGaveUp':
      return {
        ...instance,
        version,
        updatedAt: record.data.at,
        status: 'failed',
        failure: `${instance.failure ?? 'failed'}; compensation ${record.data.index} gave up: ${record.data.error.message}`,
      };
  }
}

/** Fold a whole stream. Undefined for an empty one. */
export function foldSaga(id: string, records: Iterable<SagaRecord>): SagaInstance | undefined {
  let instance: SagaInstance | undefined;
  for (const r of records) instance = evolveSaga(instance, r, id);
  return instance;
}
