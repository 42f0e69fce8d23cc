// A saga's stream read as a timeline for people: started, steps, waits, retries, compensations and the end, with times.
import type { SerializedError } from '../errors/errors.js';
import type { SagaCommand } from './sagaDefinition.js';
import type { SagaRecord } from './sagaRecords.js';

export type SagaTimelineKind = 'started' | 'step' | 'wait' | 'retry' | 'compensation' | 'completed' | 'failed' | 'compensated';

/**
 * One thing that happened to a saga. `at` is when it began (epoch ms, the runner's clock as
 * recorded); `durationMs` how long it lasted, null while it is still open (or for a moment).
 */
export interface SagaTimelineEntry {
  readonly at: number;
  readonly kind: SagaTimelineKind;
  /** The saga type (started and the end), the command type (steps, retries, compensations), the wait key or timer name. */
  readonly name: string;
  readonly durationMs: number | null;
  readonly detail: Readonly<Record<string, unknown>> | null;
}

interface Open {
  at: number;
  kind: SagaTimelineKind;
  name: string;
  durationMs: number | null;
  detail: Record<string, unknown>;
}

/** Close an open entry at `at` with how it ended. */
function settle(entry: Open | undefined, at: number, outcome: string, extra: Record<string, unknown> = {}): void {
  if (entry === undefined || entry.durationMs !== null) return;
  entry.durationMs = Math.max(0, at - entry.at);
  Object.assign(entry.detail, { outcome, ...extra });
}

const errorOf = (error: SerializedError): Record<string, unknown> => ({ code: error.code, message: error.message });

/**
 * The timeline of a saga's records, in the order they were written. Pure: the same records
 * always give the same timeline. A step, timer or wait is one entry from when it was issued to
 * when it settled; each failed try is a `retry`; each compensation one entry from when the
 * previous one (or the failure) ended to when it succeeded; the saga's end is the last entry.
 */
export function sagaTimeline(records: readonly SagaRecord[]): SagaTimelineEntry[] {
  const entries: Open[] = [];
  const steps = new Map<number, Open>();
  const timers = new Map<string, Open>();
  const waits = new Map<string, Open>();
  let sagaType = '';
  let compensations: SagaCommand[] = [];
  let compensated = 0;
  let compensatingSince = 0;
  let failure: string | undefined;
  const push = (entry: Omit<Open, 'durationMs' | 'detail'> & { durationMs?: number | null; detail?: Record<string, unknown> }): Open => {
    const open: Open = { durationMs: null, detail: {}, ...entry };
    entries.push(open);
    return open;
  };
  const commandName = (index: number): string => compensations[index]?.type ?? `compensation ${index}`;
  for (const record of records) {
    switch (record.type) {
      case 'SagaStarted':
        sagaType = record.data.sagaType;
        push({ at: record.data.at, kind: 'started', name: sagaType, durationMs: 0, detail: { input: record.data.input } });
        break;
      case 'SagaAdvanced': {
        const r = record.data;
        const at = r.trigger.at;
        const t = r.trigger;
        const d = (t.data ?? {}) as { step?: number; name?: string; key?: string; error?: SerializedError; result?: unknown };
        if (t.type === 'StepSucceeded' && d.step !== undefined) settle(steps.get(d.step), at, 'succeeded');
        if (t.type === 'StepFailed' && d.step !== undefined) settle(steps.get(d.step), at, 'failed', d.error ? { error: errorOf(d.error) } : {});
        if (t.type === 'TimerFired' && d.name !== undefined) settle(timers.get(d.name), at, 'fired');
        if (t.type === 'WaitMatched' && d.key !== undefined) settle(waits.get(d.key), at, 'matched');
        if (t.type === 'WaitTimedOut' && d.key !== undefined) settle(waits.get(d.key), at, 'timedOut');
        for (const name of r.cancelTimers) settle(timers.get(name), at, 'cancelled');
        for (const s of r.issued) steps.set(s.step, push({ at, kind: 'step', name: s.command.type, detail: { step: s.step, command: s.command, deadline: s.deadline } }));
        for (const timer of r.timers) {
          // A timer armed again under its name replaces the armed one.
          settle(timers.get(timer.name), at, 'replaced');
          timers.set(timer.name, push({ at, kind: 'wait', name: timer.name, detail: { timer: timer.name, dueAt: timer.dueAt } }));
        }
        for (const w of r.waits) {
          waits.set(w.key, push({ at: w.registeredAt, kind: 'wait', name: w.key, detail: { key: w.key, dueAt: w.dueAt, ...(w.where ? { where: w.where } : {}) } }));
        }
        compensations = [...compensations, ...r.compensations];
        if (r.complete || r.fail !== undefined) {
          // A finishing saga drops whatever was still outstanding.
          for (const open of [...steps.values(), ...timers.values(), ...waits.values()]) settle(open, at, 'dropped');
        }
        if (r.complete) push({ at, kind: 'completed', name: sagaType, durationMs: 0 });
        else if (r.fail !== undefined) {
          failure = r.fail;
          compensatingSince = at;
          if (compensations.length === 0) push({ at, kind: 'compensated', name: sagaType, durationMs: 0, detail: { reason: r.fail } });
        }
        break;
      }
      case 'SagaStepAttemptFailed': {
        const r = record.data;
        const step = steps.get(r.step);
        push({
          at: r.at,
          kind: 'retry',
          name: step?.name ?? `step ${r.step}`,
          durationMs: Math.max(0, r.retryAt - r.at),
          detail: { step: r.step, attempt: r.attempt, error: errorOf(r.error), retryAt: r.retryAt },
        });
        break;
      }
      case 'SagaCompensated': {
        const r = record.data;
        const command = compensations[r.index];
        push({
          at: compensatingSince,
          kind: 'compensation',
          name: commandName(r.index),
          durationMs: Math.max(0, r.at - compensatingSince),
          detail: { index: r.index, command: command ?? null, ...(compensated === 0 && failure !== undefined ? { reason: failure } : {}) },
        });
        compensated++;
        compensatingSince = r.at;
        if (compensated >= compensations.length) push({ at: r.at, kind: 'compensated', name: sagaType, durationMs: 0, detail: failure === undefined ? {} : { reason: failure } });
        break;
      }
      case 'SagaCompensationAttemptFailed': {
        const r = record.data;
        push({
          at: r.at,
          kind: 'retry',
          name: commandName(r.index),
          durationMs: Math.max(0, r.retryAt - r.at),
          detail: { compensation: r.index, attempt: r.attempt, error: errorOf(r.error), retryAt: r.retryAt },
        });
        break;
      }
      case 'SagaCompensationGaveUp': {
        const r = record.data;
        push({ at: r.at, kind: 'failed', name: commandName(r.index), durationMs: 0, detail: { compensation: r.index, error: errorOf(r.error), ...(failure ? { reason: failure } : {}) } });
        break;
      }
    }
  }
  return entries.map((e) => ({ ...e, detail: Object.keys(e.detail).length === 0 ? null : e.detail }));
}
