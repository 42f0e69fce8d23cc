// The pure saga machine: retry decisions, the planner's order of obligations, compensation order, wait conditions, the virtual clock.
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../testing/virtualClock.js';
import { compensationOrder, nextCompensation } from './compensationOrder.js';
import { planSaga, stepKey } from './sagaPlan.js';
import type { SagaInstance } from './sagaInstance.js';
import { decideRetry } from './stepRetry.js';
import { payloadSatisfies } from './waitMatch.js';

const policy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

function instance(over: Partial<SagaInstance>): SagaInstance {
  return {
    id: 's1', type: 't', input: null, status: 'running', state: null, version: 2, startedAt: 0, updatedAt: 0, nextStep: 1,
    steps: [], timers: [], waits: [], compensations: [], compensated: 0, compensationAttempts: 0, ...over,
  };
}

describe('saga machine', () => {
  it('retries transient errors with capped exponential backoff, gives up on refusals, after the last try and past the deadline', () => {
    const unavailable = { code: 'UNAVAILABLE' as const, message: 'down' };
    expect(decideRetry(policy, 1, unavailable, 1_000, 0.5)).toEqual({ retryAt: 1_050 });
    expect(decideRetry(policy, 2, unavailable, 1_000, 0.5)).toEqual({ retryAt: 1_100 });
    expect(decideRetry(policy, 3, unavailable, 1_000, 0.5)).toMatchObject({ giveUp: { code: 'UNAVAILABLE' } });
    expect(decideRetry(policy, 1, { code: 'RULE_VIOLATED', message: 'no' }, 1_000, 0.5)).toEqual({ giveUp: { code: 'RULE_VIOLATED', message: 'no' } });
    expect(decideRetry(policy, 1, unavailable, 1_000, 0.5, 1_040)).toMatchObject({ giveUp: { code: 'DEADLINE_EXCEEDED' } });
  });

  it('waits at least half the base delay before a retry, however low the jitter draws', () => {
    const unavailable = { code: 'UNAVAILABLE' as const, message: 'down' };
    expect(decideRetry({ maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 20 }, 1, unavailable, 1_000, 0.01)).toEqual({ retryAt: 1_010 });
    expect(decideRetry({ maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 20 }, 1, unavailable, 1_000, 0.9)).toEqual({ retryAt: 1_018 });
  });

  it('plans a passed deadline before a retry, a due step before a timer, and sleeps until the earliest obligation', () => {
    const steps = [
      { step: 1, command: { type: 'A' }, deadline: 5_000, attempts: 1, retryAt: 900 },
      { step: 2, command: { type: 'B' }, deadline: 2_000, attempts: 0 },
    ];
    expect(planSaga(instance({ steps }), 2_000)).toMatchObject({ kind: 'stepDeadline', step: 2 });
    expect(planSaga(instance({ steps }), 1_000)).toEqual({
      kind: 'execute', step: 1, command: { type: 'A' }, attempt: 2, deadline: 5_000, idempotencyKey: stepKey('s1', 1),
    });
    expect(planSaga(instance({ steps: [{ ...steps[0]!, retryAt: 3_000 }], timers: [{ name: 'x', dueAt: 2_500 }] }), 1_000)).toEqual({
      kind: 'sleep', wakeAt: 2_500,
    });
    expect(planSaga(instance({ timers: [{ name: 'x', dueAt: 2_500 }] }), 2_500)).toEqual({ kind: 'timer', name: 'x', dueAt: 2_500 });
    // Waits are settled by the scheduler, so on their own they leave nothing to wake for.
    expect(planSaga(instance({ waits: [{ key: 'k', registeredAt: 0, dueAt: 10 }] }), 99)).toEqual({ kind: 'sleep', wakeAt: undefined });
  });

  it('compensates newest first and finishes when the last one is done', () => {
    const undo = [{ type: 'U0' }, { type: 'U1' }, { type: 'U2' }];
    expect(compensationOrder(undo).map((c) => c.type)).toEqual(['U2', 'U1', 'U0']);
    expect(nextCompensation({ compensations: undo, compensated: 1 })).toEqual({ index: 1, command: { type: 'U1' } });
    expect(planSaga(instance({ status: 'compensating', compensations: undo, compensated: 0 }), 0)).toMatchObject({
      kind: 'compensate', index: 2, idempotencyKey: 'saga:s1:undo:2',
    });
    expect(planSaga(instance({ status: 'compensating', compensations: undo, compensated: 0, compensationRetryAt: 50 }), 0)).toEqual({
      kind: 'sleep', wakeAt: 50,
    });
    expect(planSaga(instance({ status: 'compensated' }), 0)).toEqual({ kind: 'finished' });
  });

  it('matches wait conditions on payload fields', () => {
    const where = { confirmations: { gte: 12 }, status: { eq: 'ok' } };
    expect(payloadSatisfies(where, { confirmations: 12, status: 'ok' })).toBe(true);
    expect(payloadSatisfies(where, { confirmations: 11, status: 'ok' })).toBe(false);
    expect(payloadSatisfies(where, { confirmations: '12', status: 'ok' })).toBe(false);
    expect(payloadSatisfies(undefined, 'anything')).toBe(true);
  });

  it('fires virtual timers in time order, letting work armed by a firing run at its own time', async () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push(`c@${clock.now()}`));
    clock.setTimer(100, () => {
      fired.push(`a@${clock.now()}`);
      clock.setTimer(clock.now() + 50, () => fired.push(`b@${clock.now()}`));
    });
    const dropped = clock.setTimer(200, () => fired.push('dropped'));
    clock.clearTimer(dropped);
    await clock.advance(250);
    expect(fired).toEqual(['a@100', 'b@150']);
    expect(clock.now()).toBe(250);
    await clock.advance(50);
    expect(fired).toEqual(['a@100', 'b@150', 'c@300']);
  });
});
