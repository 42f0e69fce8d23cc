// sagaTimeline on plain records: steps and waits last from issue to outcome, the end is the last entry.
import { describe, expect, it } from 'vitest';
import type { SagaRecord } from './sagaRecords.js';
import { sagaTimeline } from './sagaTimeline.js';

const t0 = 1_700_000_000_000;
const advanced = (at: number, trigger: { type: string; data: unknown }, extra: Partial<Extract<SagaRecord, { type: 'SagaAdvanced' }>['data']> = {}): SagaRecord => ({
  type: 'SagaAdvanced',
  data: { trigger: { ...trigger, at }, state: null, issued: [], timers: [], cancelTimers: [], waits: [], compensations: [], complete: false, ...extra },
});

describe('sagaTimeline', () => {
  it('gives a step, a wait and a timer each one entry from issue to outcome, then completed', () => {
    const records: SagaRecord[] = [
      { type: 'SagaStarted', data: { sagaType: 'deposit', input: { amount: 5 }, at: t0 } },
      advanced(t0, { type: 'SagaStarted', data: {} }, { issued: [{ step: 1, command: { type: 'Submit' }, deadline: t0 + 60_000 }] }),
      advanced(t0 + 40, { type: 'StepSucceeded', data: { step: 1 } }, {
        waits: [{ key: 'tx:1', registeredAt: t0 + 40, dueAt: t0 + 600_000 }],
        timers: [{ name: 'reminder', dueAt: t0 + 30_000 }],
      }),
      advanced(t0 + 30_040, { type: 'TimerFired', data: { name: 'reminder' } }),
      advanced(t0 + 50_000, { type: 'WaitMatched', data: { key: 'tx:1', payload: {} } }, { complete: true }),
    ];
    expect(sagaTimeline(records).map((e) => [e.kind, e.name, e.at - t0, e.durationMs, (e.detail as { outcome?: string } | null)?.outcome])).toEqual([
      ['started', 'deposit', 0, 0, undefined],
      ['step', 'Submit', 0, 40, 'succeeded'],
      ['wait', 'reminder', 40, 30_000, 'fired'],
      ['wait', 'tx:1', 40, 49_960, 'matched'],
      ['completed', 'deposit', 50_000, 0, undefined],
    ]);
  });

  it('leaves what is still outstanding open (duration null) and marks what a failing saga dropped', () => {
    const started: SagaRecord = { type: 'SagaStarted', data: { sagaType: 'deposit', input: null, at: t0 } };
    const waiting = advanced(t0, { type: 'SagaStarted', data: {} }, { waits: [{ key: 'tx:2', registeredAt: t0, dueAt: t0 + 1_000 }] });
    expect(sagaTimeline([started, waiting])[1]).toMatchObject({ kind: 'wait', durationMs: null, detail: { key: 'tx:2', dueAt: t0 + 1_000 } });
    const failed = advanced(t0 + 5, { type: 'Cancelled', data: {} }, { fail: 'cancelled by the user' });
    expect(sagaTimeline([started, waiting, failed]).map((e) => [e.kind, e.durationMs, e.detail])).toEqual([
      ['started', 0, { input: null }],
      ['wait', 5, { key: 'tx:2', dueAt: t0 + 1_000, outcome: 'dropped' }],
      ['compensated', 0, { reason: 'cancelled by the user' }],
    ]);
  });
});
